using System.Text;
using Grpc.Core;
using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// One unary call, and the <see cref="ServerCallContext"/> its handler sees. Exactly one answer goes out:
/// the handler's response, its error, or DEADLINE_EXCEEDED when grpc-timeout runs out first, whichever
/// comes first (<see cref="TryBeginAnswer"/>). The handler's token is cancelled on the deadline and when
/// the client resets the stream.
/// </summary>
internal sealed class GrpcCall : ServerCallContext, IDisposable
{
    private readonly GrpcDispatcher _server;
    private readonly Http2Stream _stream;
    private readonly string _method;
    private readonly CancellationTokenSource _cancellation;
    private readonly DateTime _deadline;
    private readonly TimeSpan _timeout;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private int _answered;
    private int _finished;
    private volatile bool _abortedByPeer;

    /// <param name="time">The clock of the deadline; it is not kept (a call holds no more than it needs).</param>
    public GrpcCall(GrpcDispatcher server, Http2Stream stream, string method, TimeSpan? timeout, TimeProvider time)
    {
        _server = server;
        _stream = stream;
        _method = method;
        if (timeout is { } t && t > TimeSpan.Zero)
        {
            _deadline = time.GetUtcNow().UtcDateTime + t;
            _timeout = t;
            _cancellation = new CancellationTokenSource(t, time);
            _cancellation.Token.UnsafeRegister(static state => ((GrpcCall)state!).OnCancelled(), this);
        }
        else
        {
            // No deadline, or a zero one, which arms nothing: the dispatcher answers it at once (ExpireNow).
            _deadline = timeout is null ? DateTime.MaxValue : time.GetUtcNow().UtcDateTime;
            _cancellation = new CancellationTokenSource();
        }
    }

    /// <summary>The pool of the connection's buffers, for the response's buffers too.</summary>
    internal System.Buffers.ArrayPool<byte>? Pool => _stream.Pool;

    protected override string MethodCore => _method;

    protected override string HostCore => Encoding.UTF8.GetString(_stream.Headers.Authority);

    protected override string PeerCore => _stream.Peer;

    protected override DateTime DeadlineCore => _deadline;

    protected override Metadata RequestHeadersCore => _requestHeaders ??= BuildRequestHeaders(_stream.Headers);

    protected override CancellationToken CancellationTokenCore => _cancellation.Token;

    protected override Metadata ResponseTrailersCore => _responseTrailers ??= [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("context propagation is not supported");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) =>
        throw new NotSupportedException("custom response headers are not supported");

    /// <summary>Claims the single answer of this call; false if one was already sent.</summary>
    internal bool TryBeginAnswer() => Interlocked.Exchange(ref _answered, 1) == 0;

    internal void SendResponse(ReadOnlySpan<byte> prefixedMessage)
    {
        if (StatusCore.StatusCode != StatusCode.OK)
        {
            SendStatus(StatusCore, _responseTrailers); // the handler set an error status and returned anyway
            return;
        }

        if (_responseTrailers is null || _responseTrailers.Count == 0)
        {
            _stream.Respond(GrpcHeaderBlocks.ResponseHeaders, prefixedMessage, GrpcHeaderBlocks.OkTrailers);
            return;
        }

        using var trailers = new HeaderBlockBuilder(_stream.Pool);
        GrpcHeaderBlocks.WriteTrailers(trailers, Status.DefaultSuccess, _responseTrailers);
        _stream.Respond(GrpcHeaderBlocks.ResponseHeaders, prefixedMessage, trailers.WrittenSpan);
    }

    /// <summary>Answers with an error: the handler threw, or the call was refused.</summary>
    internal void SendError(Exception exception)
    {
        switch (exception)
        {
            case RpcException rpc:
                SendStatus(rpc.Status, rpc.Trailers.Count > 0 ? rpc.Trailers : _responseTrailers);
                break;
            case OperationCanceledException when _abortedByPeer:
                break; // the client is gone: nobody to answer
            case OperationCanceledException when _cancellation.IsCancellationRequested:
                SendStatus(_server.DeadlineExceeded(_method, _timeout), null);
                break;
            default:
                // Like grpc-dotnet: the exception's text stays in our log, never on the wire.
                _server.ReportHandlerFailure(_method, exception);
                SendStatus(new Status(StatusCode.Unknown, "Exception was thrown by handler."), null);
                break;
        }
    }

    internal void SendStatus(Status status, Metadata? trailers) => GrpcDispatcher.SendTrailersOnly(_stream, status, trailers);

    /// <summary>The handler is done (or never started): release what the call holds. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 0)
        {
            _cancellation.Dispose();
            _stream.Headers.Dispose();
            _stream.CompleteHandler();
        }
    }

    internal void OnPeerAborted()
    {
        _abortedByPeer = true;
        if (Volatile.Read(ref _finished) == 0)
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished meanwhile.
            }
        }
    }

    /// <summary>The deadline has passed before the handler started: answer DEADLINE_EXCEEDED unless already answered.</summary>
    internal void ExpireNow() => OnCancelled();

    private void OnCancelled()
    {
        if (!_abortedByPeer && TryBeginAnswer())
        {
            SendStatus(_server.DeadlineExceeded(_method, _timeout), null);
        }
    }

    private static Metadata BuildRequestHeaders(RequestHeaders headers)
    {
        var metadata = new Metadata();
        for (int i = 0; i < headers.FieldCount; i++)
        {
            string key = Encoding.ASCII.GetString(headers.GetFieldName(i));
            ReadOnlySpan<byte> value = headers.GetFieldValue(i);
            if (key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
            {
                if (TryDecodeBase64(value, out byte[] bytes))
                {
                    metadata.Add(key, bytes);
                }
            }
            else
            {
                metadata.Add(key, Encoding.ASCII.GetString(value));
            }
        }

        return metadata;
    }

    // gRPC senders may omit base64 padding; receivers accept both (gRPC over HTTP/2, "Custom-Metadata").
    private static bool TryDecodeBase64(ReadOnlySpan<byte> value, out byte[] bytes)
    {
        string text = Encoding.ASCII.GetString(value);
        text += (text.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
