using System.Buffers;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// One request stream. Its request side is written only by the connection's read loop; its response side goes
/// through <see cref="Respond"/>, which takes the connection lock. <see cref="AppState"/> belongs to the application.
/// </summary>
internal sealed class Http2Stream
{
    private readonly Http2Connection _connection;
    private byte[] _body = [];
    private int _bodyLength;

    public Http2Stream(Http2Connection connection, int id, int receiveWindow, int sendWindow)
    {
        _connection = connection;
        Id = id;
        ReceiveWindow = receiveWindow;
        SendWindow = sendWindow;
    }

    public int Id { get; }

    public RequestHeaders Headers { get; } = new();

    /// <summary>The request body as received (DATA payloads without padding). Valid during <see cref="IHttp2Application.OnRequest"/>.</summary>
    public ReadOnlyMemory<byte> Body => _body.AsMemory(0, _bodyLength);

    public bool BodyTooLarge { get; internal set; }

    public object? AppState { get; set; }

    /// <summary>The connection's peer, for logs and <see cref="Grpc.Core.ServerCallContext.Peer"/>.</summary>
    public string Peer => _connection.PeerName;

    // Connection state below: guarded by the connection's lock.
    internal int ReceiveWindow;
    internal long SendWindow;
    internal bool RemoteEnded;      // END_STREAM received
    internal bool LocalEnded;       // END_STREAM sent (or reset)
    internal bool Dispatched;       // handed to the application
    internal byte[]? PendingData;   // response bytes waiting for flow-control window
    internal int PendingOffset;
    internal int PendingLength;
    internal byte[]? PendingTrailers;
    internal int PendingTrailersLength;

    /// <summary>
    /// Sends the response: <paramref name="headers"/> as one HPACK block, then <paramref name="data"/> in DATA frames
    /// within the flow-control windows, then <paramref name="trailers"/> with END_STREAM. With no data and no
    /// trailers, <paramref name="headers"/> alone ends the stream (a gRPC trailers-only response).
    /// Safe from any thread; a stream that was reset meanwhile drops the response. The spans are copied if they must wait.
    /// </summary>
    public void Respond(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> data, ReadOnlySpan<byte> trailers) =>
        _connection.Respond(this, headers, data, trailers);

    internal int BodyLength => _bodyLength;

    internal void AppendBody(ReadOnlySpan<byte> data)
    {
        if (_body.Length - _bodyLength < data.Length)
        {
            int length = _bodyLength;
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(256, (length + data.Length) * 2));
            _body.AsSpan(0, length).CopyTo(larger);
            ReleaseBody();
            _body = larger;
            _bodyLength = length;
        }

        data.CopyTo(_body.AsSpan(_bodyLength));
        _bodyLength += data.Length;
    }

    /// <summary>Zeroes and returns the body: an Encrypt request body holds a plaintext DEK.</summary>
    internal void ReleaseBody()
    {
        if (_body.Length > 0)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(_body.AsSpan(0, _bodyLength));
            ArrayPool<byte>.Shared.Return(_body);
            _body = [];
        }

        _bodyLength = 0;
    }

    internal void ReleasePending()
    {
        if (PendingData is { } data)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(data.AsSpan(0, PendingOffset + PendingLength));
            ArrayPool<byte>.Shared.Return(data);
            PendingData = null;
        }

        if (PendingTrailers is { } trailers)
        {
            ArrayPool<byte>.Shared.Return(trailers);
            PendingTrailers = null;
        }

        PendingLength = 0;
    }
}
