using System.Globalization;
using System.Text;
using Grpc.Core;
using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// Turns complete HTTP/2 requests into unary gRPC calls (gRPC over HTTP/2): checks method, content-type,
/// grpc-timeout, grpc-encoding and the message framing, finds the method by :path, and answers errors with
/// Trailers-Only responses. Every :authority is accepted: kube-apiserver sends "localhost", the socket path,
/// or the percent-encoded socket path.
/// </summary>
internal sealed class GrpcDispatcher : IHttp2Application
{
    private readonly MethodTable _methods;
    private readonly int _maxMessageSize;
    private readonly TimeProvider _time;
    private readonly string? _deadlineDetail;

    /// <param name="time">The clock deadlines are measured and waited on (grpc-timeout).</param>
    /// <param name="deadlineDetail">
    /// Appended to the DEADLINE_EXCEEDED message, which is sent the moment a deadline passes, before the handler
    /// has noticed: the application's one chance to say what calls wait for (the plugin names its Key Vault key).
    /// </param>
    public GrpcDispatcher(MethodTable methods, int maxMessageSize, TimeProvider time, string? deadlineDetail = null)
    {
        _methods = methods;
        _maxMessageSize = maxMessageSize;
        _time = time;
        _deadlineDetail = deadlineDetail;
    }

    /// <summary>Raised when a handler throws something other than an RpcException (the client sees UNKNOWN).</summary>
    public event Action<string, Exception>? HandlerFailed;

    public void OnRequest(Http2Stream stream)
    {
        RequestHeaders headers = stream.Headers;
        if (stream.BodyTooLarge)
        {
            Refuse(stream, new Status(StatusCode.ResourceExhausted, $"the request message is larger than the limit of {_maxMessageSize} bytes"));
            return;
        }

        if (!headers.Method.SequenceEqual("POST"u8))
        {
            RefuseHttp(stream, 405, new Status(StatusCode.Internal, $"gRPC requires POST, got {Encoding.ASCII.GetString(headers.Method)}"));
            return;
        }

        if (!IsGrpcContentType(headers.ContentType))
        {
            RefuseHttp(stream, 415, new Status(StatusCode.Internal, $"content-type '{Encoding.ASCII.GetString(headers.ContentType)}' is not application/grpc"));
            return;
        }

        if (!_methods.TryGet(headers.Path, out IUnaryMethod? method))
        {
            Refuse(stream, new Status(StatusCode.Unimplemented, $"unknown method {Encoding.ASCII.GetString(headers.Path)}"));
            return;
        }

        TimeSpan? timeout = null;
        if (headers.TryGetField("grpc-timeout"u8, out ReadOnlySpan<byte> timeoutValue))
        {
            if (!GrpcTimeout.TryParse(timeoutValue, out TimeSpan parsed))
            {
                Refuse(stream, new Status(StatusCode.Internal, $"malformed grpc-timeout '{Encoding.ASCII.GetString(timeoutValue)}'"));
                return;
            }

            timeout = parsed;
        }

        ReadOnlySpan<byte> body = stream.Body.Span;
        Status framing = GrpcFraming.ReadUnaryMessage(body, _maxMessageSize, out bool compressed, out int offset, out int length);
        if (framing.StatusCode != StatusCode.OK)
        {
            Refuse(stream, framing);
            return;
        }

        if (compressed)
        {
            headers.TryGetField("grpc-encoding"u8, out ReadOnlySpan<byte> encoding);
            Refuse(stream, new Status(StatusCode.Unimplemented,
                $"compressed messages are not supported (grpc-encoding '{Encoding.ASCII.GetString(encoding)}'); this server accepts identity only"));
            return;
        }

        var call = new GrpcCall(this, stream, method!.FullName, timeout, _time);
        stream.AppState = call;
        if (timeout == TimeSpan.Zero)
        {
            // A deadline already passed ("0S", or under 100 ns, which rounds to zero ticks): no timer is armed for it,
            // so answer DEADLINE_EXCEEDED now; that also closes the stream, which would otherwise count against
            // SETTINGS_MAX_CONCURRENT_STREAMS for as long as the connection lives.
            call.ExpireNow();
            call.Dispose();
            return;
        }

        method.Start(call, stream.Body.Slice(offset, length));
    }

    public void OnAborted(Http2Stream stream) => (stream.AppState as GrpcCall)?.OnPeerAborted();

    internal static void SendTrailersOnly(Http2Stream stream, Status status, Metadata? trailers)
    {
        using var block = new HeaderBlockBuilder(stream.Pool);
        GrpcHeaderBlocks.WriteResponseHeaders(block);
        GrpcHeaderBlocks.WriteTrailers(block, status, trailers);
        stream.Respond(block.WrittenSpan, default, default);
    }

    internal void ReportHandlerFailure(string method, Exception exception) => HandlerFailed?.Invoke(method, exception);

    /// <summary>The status of a call whose deadline passed; built only then, so the success path allocates nothing for it.</summary>
    internal Status DeadlineExceeded(string method, TimeSpan timeout)
    {
        string message = $"the deadline (grpc-timeout {GrpcTimeout.Describe(timeout)}) expired before {method} completed";
        return new Status(StatusCode.DeadlineExceeded, _deadlineDetail is null ? message : message + "; " + _deadlineDetail);
    }

    private static void Refuse(Http2Stream stream, Status status)
    {
        SendTrailersOnly(stream, status, null);
        stream.Headers.Dispose();
        stream.CompleteHandler();
    }

    private static void RefuseHttp(Http2Stream stream, int httpStatus, Status status)
    {
        using var block = new HeaderBlockBuilder(stream.Pool);
        GrpcHeaderBlocks.WriteHttpError(block, httpStatus, status);
        stream.Respond(block.WrittenSpan, default, default);
        stream.Headers.Dispose();
        stream.CompleteHandler();
    }

    // "application/grpc" optionally followed by "+proto" (or another subtype) or parameters.
    private static bool IsGrpcContentType(ReadOnlySpan<byte> contentType) =>
        contentType.StartsWith("application/grpc"u8)
        && (contentType.Length == 16 || contentType[16] is (byte)'+' or (byte)';');

    internal static string FormatStatus(Status status) =>
        string.Create(CultureInfo.InvariantCulture, $"{status.StatusCode}: {status.Detail}");
}
