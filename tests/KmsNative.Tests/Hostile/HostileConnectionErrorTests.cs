using Google.Protobuf;
using KmsNative.Kms.V2;
using KmsNative.Protocol.Http2;
using static KmsNative.Http2Testing.Http2TestPeer;
using KmsNative.Http2Testing;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// Hostile byte sequences that RFC 9113 makes connection errors: the server must answer GOAWAY with the exact code
/// and close, while another connection that was open all along still completes an Encrypt → Decrypt.
/// </summary>
public class HostileConnectionErrorTests
{
    private static readonly (string, string)[] s_encrypt = GrpcRequest("/v2.KeyManagementService/Encrypt");

    private static readonly Dictionary<string, (Http2ErrorCode Code, Http2Limits? Limits, Func<Http2TestPeer, Task> Attack)> s_cases = new()
    {
        // §3.4: a preface that is not "PRI * HTTP/2.0..." is a connection error of type PROTOCOL_ERROR.
        ["bad preface"] = (Http2ErrorCode.ProtocolError, null, p => p.SendAsync("PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n"u8.ToArray(), Settings())),
        // §3.4: the preface must be followed by SETTINGS.
        ["first frame not SETTINGS"] = (Http2ErrorCode.ProtocolError, null, p => p.SendAsync(Preface.ToArray(), Ping(new byte[8]))),
        // §4.2: larger than our SETTINGS_MAX_FRAME_SIZE (16,384).
        ["oversized frame"] = (Http2ErrorCode.FrameSizeError, null, Attack(Headers(1, false, s_encrypt), Data(1, new byte[16_385], false))),
        // §4.3: a header block that cannot be decoded (index 0 is never valid).
        ["bad HPACK"] = (Http2ErrorCode.CompressionError, null, Attack(Frame(FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.EndStream, 1, [0x80]))),
        // §6.9.1: a connection send window above 2^31-1.
        ["connection window overflow"] = (Http2ErrorCode.FlowControlError, null, Attack(WindowUpdate(0, 0x7FFF_FFFF))),
        // §6.9: a zero increment on the connection is a connection error.
        ["connection zero increment"] = (Http2ErrorCode.ProtocolError, null, Attack(WindowUpdate(0, 0))),
        // §6.9.1: DATA beyond the connection window we granted (65,535 here: no WINDOW_UPDATE in our preface).
        ["DATA beyond connection window"] = (Http2ErrorCode.FlowControlError, new Http2Limits { ConnectionWindowSize = 65_535 },
            Attack(Headers(1, false, s_encrypt), Data(1, new byte[16_384], false), Data(1, new byte[16_384], false),
                   Data(1, new byte[16_384], false), Data(1, new byte[16_384], false))),
        // §5.1.1: stream ids of new streams must increase.
        ["stream id going backwards"] = (Http2ErrorCode.ProtocolError, null, Attack(Headers(5, false, s_encrypt), Headers(3, false, s_encrypt))),
        // §5.1 closed: a frame after the peer's END_STREAM is a connection error of type STREAM_CLOSED (h2spec 5.1.12).
        ["stream id reuse"] = (Http2ErrorCode.StreamClosed, null, async p =>
        {
            await Attack(Headers(1, true, GrpcRequest("/v2.KeyManagementService/Status")))(p);
            await p.ReadResponseAsync(1);
            await p.SendAsync(Headers(1, true, GrpcRequest("/v2.KeyManagementService/Status")));
        }),
        // §5.1.1: clients open odd-numbered streams.
        ["even stream id"] = (Http2ErrorCode.ProtocolError, null, Attack(Headers(2, true, s_encrypt))),
        // §5.1: DATA on an idle stream.
        ["DATA on idle stream"] = (Http2ErrorCode.ProtocolError, null, Attack(Data(7, GrpcMessage([]), true))),
        // §6.10: a header block must be continued by CONTINUATION of the same stream and nothing else.
        ["CONTINUATION expected, PING received"] = (Http2ErrorCode.ProtocolError, null,
            Attack(Frame(FrameType.Headers, FrameFlags.None, 1, HeaderBlock(s_encrypt)), Ping(new byte[8]))),
        ["CONTINUATION expected, other stream's HEADERS received"] = (Http2ErrorCode.ProtocolError, null,
            Attack(Frame(FrameType.Headers, FrameFlags.None, 1, HeaderBlock(s_encrypt)), Headers(3, true, s_encrypt))),
        ["CONTINUATION without a header block"] = (Http2ErrorCode.ProtocolError, null,
            Attack(Frame(FrameType.Continuation, FrameFlags.EndHeaders, 1, HeaderBlock(s_encrypt)))),
        // CVE-2023-44487: opening and resetting streams costs the client nothing and us a handler each.
        ["RST_STREAM flood"] = (Http2ErrorCode.EnhanceYourCalm, null,
            Attack([.. Enumerable.Range(0, 250).SelectMany(i => new[] { Headers(2 * i + 1, false, s_encrypt), RstStream(2 * i + 1, Http2ErrorCode.Cancel) })])),
        // Empty CONTINUATION frames keep the read loop busy while adding nothing to the block (CVE-2019-9518 style).
        ["empty CONTINUATION flood"] = (Http2ErrorCode.EnhanceYourCalm, null,
            Attack([Frame(FrameType.Headers, FrameFlags.None, 1, HeaderBlock(s_encrypt)),
                .. Enumerable.Range(0, 250).Select(_ => Frame(FrameType.Continuation, FrameFlags.None, 1, []))])),
        // §6.5.2: defined ranges of SETTINGS values.
        ["SETTINGS_ENABLE_PUSH 2"] = (Http2ErrorCode.ProtocolError, null, Attack(Settings((SettingsParameter.EnablePush, 2)))),
        ["SETTINGS_MAX_FRAME_SIZE too small"] = (Http2ErrorCode.ProtocolError, null, Attack(Settings((SettingsParameter.MaxFrameSize, 16_383)))),
        ["SETTINGS_MAX_FRAME_SIZE too large"] = (Http2ErrorCode.ProtocolError, null, Attack(Settings((SettingsParameter.MaxFrameSize, 1 << 24)))),
        ["SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1"] = (Http2ErrorCode.FlowControlError, null, Attack(Settings((SettingsParameter.InitialWindowSize, 0x8000_0000)))),
        // §6.5: a SETTINGS length that is not a multiple of 6.
        ["SETTINGS length 5"] = (Http2ErrorCode.FrameSizeError, null, Attack(Frame(FrameType.Settings, FrameFlags.None, 0, [0, 4, 0, 0, 1]))),
        ["first SETTINGS length 7"] = (Http2ErrorCode.FrameSizeError, null, p => p.SendAsync(Preface.ToArray(), Frame(FrameType.Settings, FrameFlags.None, 0, new byte[7]))),
        // §6.7: PING payloads are exactly 8 bytes.
        ["PING length 7"] = (Http2ErrorCode.FrameSizeError, null, Attack(Frame(FrameType.Ping, FrameFlags.None, 0, new byte[7]))),
        // §8.4: clients cannot push.
        ["PUSH_PROMISE from client"] = (Http2ErrorCode.ProtocolError, null,
            Attack(Headers(1, false, s_encrypt), Frame(FrameType.PushPromise, FrameFlags.EndHeaders, 1, [0, 0, 0, 2, .. HeaderBlock(s_encrypt)]))),
        // §6.1: a pad length that is not smaller than the payload.
        ["padding longer than payload"] = (Http2ErrorCode.ProtocolError, null,
            Attack(Headers(1, false, s_encrypt), Frame(FrameType.Data, FrameFlags.Padded | FrameFlags.EndStream, 1, [5, 1, 2]))),
        ["HEADERS padding longer than payload"] = (Http2ErrorCode.ProtocolError, null,
            Attack(Frame(FrameType.Headers, FrameFlags.Padded | FrameFlags.EndHeaders, 1, [200, .. HeaderBlock(s_encrypt)]))),
        // §6.2: PadLength | Priority(5) | fragment | padding: padding longer than what follows the priority fields.
        ["HEADERS padding longer than fragment after priority"] = (Http2ErrorCode.ProtocolError, null,
            Attack(Frame(FrameType.Headers, FrameFlags.Padded | FrameFlags.Priority | FrameFlags.EndHeaders, 1, [3, 0, 0, 0, 0, 16, 0x82]))),
        // §4.2: a frame too short for its mandatory fields.
        ["HEADERS with PRIORITY shorter than 5 bytes"] = (Http2ErrorCode.FrameSizeError, null,
            Attack(Frame(FrameType.Headers, FrameFlags.Priority | FrameFlags.EndHeaders, 1, [0, 0, 0, 0]))),
        // §5.1 idle: even-numbered streams are ours to open and we never push, so they stay idle; a frame other than
        // HEADERS or PRIORITY on an idle stream is PROTOCOL_ERROR, even below the highest stream id seen.
        ["DATA on even stream below last stream id"] = (Http2ErrorCode.ProtocolError, null, Attack(Headers(3, false, s_encrypt), Data(2, [0], true))),
        ["RST_STREAM on even stream below last stream id"] = (Http2ErrorCode.ProtocolError, null,
            Attack(Headers(3, false, s_encrypt), RstStream(2, Http2ErrorCode.Cancel))),
        ["WINDOW_UPDATE on even stream below last stream id"] = (Http2ErrorCode.ProtocolError, null, Attack(Headers(3, false, s_encrypt), WindowUpdate(2, 1))),
        // §6.8/6.9/6.4 on stream 0 or idle streams.
        ["RST_STREAM on idle stream"] = (Http2ErrorCode.ProtocolError, null, Attack(RstStream(9, Http2ErrorCode.Cancel))),
        ["WINDOW_UPDATE on idle stream"] = (Http2ErrorCode.ProtocolError, null, Attack(WindowUpdate(9, 1))),
        ["SETTINGS on a stream"] = (Http2ErrorCode.ProtocolError, null, Attack(Frame(FrameType.Settings, FrameFlags.None, 1, []))),
    };

    public static TheoryData<string> Cases => [.. s_cases.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Serve_ConnectionError_GoAwayWithRfcCodeAndOtherConnectionStillServed(string name)
    {
        (Http2ErrorCode code, Http2Limits? limits, Func<Http2TestPeer, Task> attack) = s_cases[name];
        await using InProcessServer server = InProcessServer.Start(limits);
        await using Http2TestPeer good = await server.ConnectHandshakenAsync();
        Http2TestPeer bad = await server.ConnectAsync();

        await attack(bad);
        TestFrame goAway = await bad.ReadGoAwayThenCloseAsync();
        await bad.DisposeAsync();

        Assert.Equal(code, goAway.ErrorCode);
        await KmsClient.AssertEncryptDecryptAsync(good);
    }

    /// <summary>The preface, an empty SETTINGS, then <paramref name="frames"/> in one write.</summary>
    internal static Func<Http2TestPeer, Task> Attack(params byte[][] frames) =>
        p => p.SendAsync([Preface.ToArray(), Settings(), .. frames]);

    internal static byte[] Message(IMessage message) => GrpcMessage(message.ToByteArray());

    internal static readonly EncryptRequest SampleEncrypt = new() { Plaintext = ByteString.CopyFromUtf8("dek"), Uid = "u" };
}
