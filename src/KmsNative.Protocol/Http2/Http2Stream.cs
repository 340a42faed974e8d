using System.Buffers;
using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// One request stream. Its request side is written only by the connection's read loop; its response side goes
/// through <see cref="Respond"/>, which takes the connection lock. <see cref="AppState"/> belongs to the application.
/// </summary>
internal sealed class Http2Stream
{
    private readonly Http2Connection _connection;
    private PooledSecretBuffer _body; // read loop only; an Encrypt request body holds a plaintext DEK
    private int _bodyCharged;         // bytes of _body reserved from the connection's BufferBudget; as _body

    // What keeps this stream counted against SETTINGS_MAX_CONCURRENT_STREAMS: being open, and a handler still
    // running (which may outlive the stream when it is reset). Thread-safe (Interlocked); 0 retires the stream.
    private int _holds = 1;
    private int _openReleased;
    private int _handlerReleased;

    public Http2Stream(Http2Connection connection, int id, int receiveWindow, int sendWindow)
    {
        _connection = connection;
        Id = id;
        ReceiveWindow = new FlowWindow(receiveWindow);
        SendWindow = new FlowWindow(sendWindow);
        _body = new PooledSecretBuffer(0, connection.Pool);
        Headers = new RequestHeaders(connection.Pool);
    }

    public int Id { get; }

    public RequestHeaders Headers { get; }

    /// <summary>The request body as received (DATA payloads without padding). Valid during <see cref="IHttp2Application.OnRequest"/>.</summary>
    public ReadOnlyMemory<byte> Body => _body.WrittenMemory;

    public bool BodyTooLarge { get; internal set; }

    public object? AppState { get; set; }

    /// <summary>The connection's peer, for logs and <see cref="Grpc.Core.ServerCallContext.Peer"/>.</summary>
    public string Peer => _connection.PeerName;

    /// <summary>The pool every buffer of this stream's connection rents from; null means <see cref="ArrayPool{T}.Shared"/>.</summary>
    public ArrayPool<byte>? Pool => _connection.Pool;

    // Connection state below: guarded by the connection's lock.
    internal FlowWindow ReceiveWindow;
    internal FlowWindow SendWindow;
    internal bool RemoteEnded;      // END_STREAM received
    internal bool LocalEnded;       // END_STREAM sent (or reset)
    internal bool Dispatched;       // handed to the application
    internal long OpenedAt;         // the connection clock's timestamp of its HEADERS, for the request body timeout

    /// <summary>
    /// Sends the response: <paramref name="headers"/> as one HPACK block, then <paramref name="data"/> in DATA frames
    /// within the flow-control windows, then <paramref name="trailers"/> with END_STREAM. With no data and no
    /// trailers, <paramref name="headers"/> alone ends the stream (a gRPC trailers-only response).
    /// Safe from any thread; a stream that was reset meanwhile drops the response. The spans are copied if they must wait.
    /// </summary>
    public void Respond(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> data, ReadOnlySpan<byte> trailers) =>
        _connection.Respond(this, headers, data, trailers);

    /// <summary>
    /// The application's handler no longer works on this stream (it answered, failed, or saw the abort). Until then the
    /// stream counts against SETTINGS_MAX_CONCURRENT_STREAMS even once it is closed or reset, so a client that makes
    /// us reset its streams (CVE-2025-8671) cannot run more handlers than that. Idempotent; safe from any thread.
    /// </summary>
    public void CompleteHandler()
    {
        if (Dispatched && Interlocked.Exchange(ref _handlerReleased, 1) == 0)
        {
            Release();
        }
    }

    /// <summary>Dispatch: the handler holds the stream until <see cref="CompleteHandler"/>.</summary>
    internal void HoldForHandler() => Interlocked.Increment(ref _holds);

    /// <summary>The stream is closed (or the connection is gone); idempotent.</summary>
    internal void ReleaseOpen()
    {
        if (Interlocked.Exchange(ref _openReleased, 1) == 0)
        {
            Release();
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _holds) == 0)
        {
            _connection.OnStreamRetired();
        }
    }

    internal int BodyLength => _body.Length;

    /// <summary>Appends to the body what the server's buffer budget has room for; false, appending nothing, when it has none.</summary>
    internal bool TryAppendBody(ReadOnlySpan<byte> data)
    {
        if (!_connection.BufferBudget.TryReserve(data.Length))
        {
            return false;
        }

        _bodyCharged += data.Length;
        _body.Append(data);
        return true;
    }

    /// <summary>Zeroes and returns the body, and gives its bytes back to the buffer budget. Idempotent.</summary>
    internal void ReleaseBody()
    {
        _connection.BufferBudget.Release(_bodyCharged);
        _bodyCharged = 0;
        _body.Dispose();
    }
}
