using KmsNative.Protocol.Http2;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;
using static KmsNative.Http2Testing.Http2TestPeer;
using KmsNative.Http2Testing;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// Hostile sequences that RFC 9113 makes stream errors: RST_STREAM with the exact code on that stream only. The same
/// connection then still serves a call, and so does another connection.
/// </summary>
public class HostileStreamErrorTests
{
    private static readonly (string, string)[] s_encrypt = GrpcRequest("/v2.KeyManagementService/Encrypt");

    private static (string, string)[] Request(params (string, string)[] fields) => fields;

    private static readonly Dictionary<string, (Http2ErrorCode Code, int StreamId, Http2Limits? Limits, Func<Http2TestPeer, Task> Attack)> s_cases = new()
    {
        // §6.9.1: a stream send window above 2^31-1.
        ["stream window overflow"] = (Http2ErrorCode.FlowControlError, 1, null, Attack(Headers(1, false, s_encrypt), WindowUpdate(1, 0x7FFF_FFFF))),
        // §6.9: a zero increment on a stream is a stream error.
        ["stream zero increment"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, false, s_encrypt), WindowUpdate(1, 0))),
        // §6.9.1: DATA beyond the stream window we granted.
        ["DATA beyond stream window"] = (Http2ErrorCode.FlowControlError, 1, new Http2Limits { InitialStreamWindowSize = 1_000 },
            Attack(Headers(1, false, s_encrypt), Data(1, new byte[1_001], true))),
        // §6.1: DATA on a closed stream.
        ["DATA on closed stream"] = (Http2ErrorCode.StreamClosed, 1, null, async p =>
        {
            await Attack(Headers(1, false, s_encrypt), Data(1, Message(SampleEncrypt), true))(p);
            await p.ReadResponseAsync(1);
            await p.SendAsync(Data(1, [1, 2, 3], true));
        }),
        // §5.1 closed: "any frame other than PRIORITY after receiving a RST_STREAM" is a stream error STREAM_CLOSED.
        ["DATA after client RST_STREAM"] = (Http2ErrorCode.StreamClosed, 1, null,
            Attack(Headers(1, false, s_encrypt), RstStream(1, Http2ErrorCode.Cancel), Data(1, Message(SampleEncrypt), true))),
        ["HEADERS after client RST_STREAM"] = (Http2ErrorCode.StreamClosed, 1, null,
            Attack(Headers(1, false, s_encrypt), RstStream(1, Http2ErrorCode.Cancel), Headers(1, true, [("x-trailer", "1")]))),
        // §5.1: half-closed (remote): a second HEADERS without END_STREAM is not trailers.
        ["DATA after END_STREAM while answering"] = (Http2ErrorCode.StreamClosed, 3, null,
            Attack(Headers(1, false, s_encrypt), Headers(3, true, s_encrypt), Data(3, [0], true))),
        // §8.2.1, §8.2.2, §8.3: malformed requests.
        ["uppercase header name"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("X-Upper", "1")]))),
        ["connection header"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("connection", "keep-alive")]))),
        ["transfer-encoding header"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("transfer-encoding", "chunked")]))),
        ["te gzip"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, true, Request((":method", "POST"), (":scheme", "http"), (":path", "/v2.KeyManagementService/Encrypt"), ("te", "gzip"))))),
        ["missing :path"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, true, Request((":method", "POST"), (":scheme", "http"), ("content-type", "application/grpc"))))),
        ["empty :path"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, true, Request((":method", "POST"), (":scheme", "http"), (":path", ""))))),
        ["pseudo-header after regular"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, true, Request((":method", "POST"), (":scheme", "http"), ("content-type", "application/grpc"), (":path", "/v2.KeyManagementService/Encrypt"))))),
        ["duplicate :path"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt[..3], (":path", "/x")]))),
        ["response pseudo-header"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [(":status", "200"), .. s_encrypt]))),
        // §8.2.1: field names may not contain controls, space, uppercase or bytes above 0x7E; values may not contain
        // NUL, CR or LF, nor start or end with whitespace.
        ["space in header name"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("x y", "1")]))),
        ["colon inside header name"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("x:y", "1")]))),
        ["NUL in header name"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("x\0y", "1")]))),
        ["byte 0xE9 in header name"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("caf\u00E9", "1")]))),
        ["CRLF in header value"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("x-v", "a\r\nx-injected: 1")]))),
        ["NUL in header value"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("x-v", "a\0b")]))),
        ["leading space in header value"] = (Http2ErrorCode.ProtocolError, 1, null, Attack(Headers(1, true, [.. s_encrypt, ("x-v", " a")]))),
        ["CR in :path"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, true, Request((":method", "POST"), (":scheme", "http"), (":path", "/v2.KeyManagementService/Encrypt\r"))))),
        // §8.1.1: content-length that disagrees with the DATA.
        ["content-length mismatch"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, false, [.. s_encrypt, ("content-length", "100")]), Data(1, Message(SampleEncrypt), true))),
        // §8.1: trailers must end the stream.
        ["trailers without END_STREAM"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, false, s_encrypt), Headers(1, false, Request(("x-trailer", "1"))))),
        // §8.1: trailers must not include pseudo-header fields; §8.2.1 field validity holds for them too.
        ["pseudo-header in trailers"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, false, s_encrypt), Data(1, Message(SampleEncrypt), false), Headers(1, true, Request((":path", "/x"))))),
        ["uppercase name in trailers"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, false, s_encrypt), Data(1, Message(SampleEncrypt), false), Headers(1, true, Request(("X-Trailer", "1"))))),
        // §5.1.2: one more than SETTINGS_MAX_CONCURRENT_STREAMS (256).
        ["more than MaxConcurrentStreams"] = (Http2ErrorCode.RefusedStream, 513, null,
            Attack([.. Enumerable.Range(0, 257).Select(i => Headers(2 * i + 1, false, s_encrypt))])),
        // §5.3.1: a stream cannot depend on itself.
        ["PRIORITY on itself"] = (Http2ErrorCode.ProtocolError, 1, null,
            Attack(Headers(1, false, s_encrypt), Frame(FrameType.Priority, FrameFlags.None, 1, [0, 0, 0, 1, 16]))),
    };

    public static TheoryData<string> Cases => [.. s_cases.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Serve_StreamError_RstWithRfcCodeAndConnectionsStillServe(string name)
    {
        (Http2ErrorCode code, int streamId, Http2Limits? limits, Func<Http2TestPeer, Task> attack) = s_cases[name];
        await using InProcessServer server = InProcessServer.Start(limits);
        await using Http2TestPeer good = await server.ConnectHandshakenAsync();
        await using Http2TestPeer bad = await server.ConnectAsync();

        await attack(bad);
        TestFrame reset = await bad.ReadUntilAsync(f => f.Type is FrameType.RstStream or FrameType.GoAway && f.StreamId == streamId || f.Type == FrameType.GoAway);

        Assert.Equal((FrameType.RstStream, streamId, code), (reset.Type, reset.StreamId, reset.ErrorCode));
        if (code != Http2ErrorCode.RefusedStream)
        {
            // (After the refusal, the 256 streams it kept open still fill that connection.)
            await KmsClient.AssertEncryptDecryptAsync(bad, firstStreamId: 1001);
        }

        await KmsClient.AssertEncryptDecryptAsync(good);
    }
}
