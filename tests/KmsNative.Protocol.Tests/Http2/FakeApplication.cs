using System.Threading.Channels;
using KmsNative.Protocol.Grpc;
using KmsNative.Protocol.Http2;
using KmsNative.Http2Testing;

namespace KmsNative.Protocol.Tests.Http2;

/// <summary>
/// An application that records requests and aborts. With <see cref="AnswerAtOnce"/> it answers each request on the
/// read loop with the gRPC response headers, the body (echoed, or <see cref="ResponseBody"/>) and grpc-status 0;
/// otherwise the test answers later through <see cref="Answer"/>.
/// </summary>
internal sealed class FakeApplication : IHttp2Application
{
    private readonly Channel<ReceivedRequest> _requests = Channel.CreateUnbounded<ReceivedRequest>();
    private readonly Channel<Http2Stream> _aborted = Channel.CreateUnbounded<Http2Stream>();

    public bool AnswerAtOnce { get; init; } = true;

    public byte[]? ResponseBody { get; init; }

    public void OnRequest(Http2Stream stream)
    {
        var request = new ReceivedRequest(stream, stream.Body.ToArray(), stream.Headers.PathString, stream.BodyTooLarge);
        if (AnswerAtOnce)
        {
            Answer(stream, ResponseBody ?? request.Body);
        }

        _requests.Writer.TryWrite(request);
    }

    public void OnAborted(Http2Stream stream) => _aborted.Writer.TryWrite(stream);

    public static void Answer(Http2Stream stream, ReadOnlySpan<byte> body)
    {
        stream.Respond(GrpcHeaderBlocks.ResponseHeaders, body, GrpcHeaderBlocks.OkTrailers);
        stream.CompleteHandler();
    }

    public async Task<ReceivedRequest> NextRequestAsync()
    {
        using var timeout = new CancellationTokenSource(Http2TestPeer.Timeout);
        return await _requests.Reader.ReadAsync(timeout.Token);
    }

    public async Task<Http2Stream> NextAbortedAsync()
    {
        using var timeout = new CancellationTokenSource(Http2TestPeer.Timeout);
        return await _aborted.Reader.ReadAsync(timeout.Token);
    }

    public bool TryGetAborted(out Http2Stream? stream) => _aborted.Reader.TryRead(out stream);

    public sealed record ReceivedRequest(Http2Stream Stream, byte[] Body, string Path, bool BodyTooLarge);
}
