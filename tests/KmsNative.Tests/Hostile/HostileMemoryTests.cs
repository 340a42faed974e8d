using KmsNative.Http2Testing;
using KmsNative.Protocol.Http2;
using static KmsNative.Http2Testing.Http2TestPeer;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// Responses a client never lets us send (windows of 0) are held within a per-connection and a server-wide bound;
/// past either, the response is dropped and its stream reset with ENHANCE_YOUR_CALM.
/// </summary>
public class HostileMemoryTests
{
    private static readonly (string, string)[] s_encrypt = GrpcRequest("/v2.KeyManagementService/Encrypt");

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE 0: every response's DATA waits for a WINDOW_UPDATE that never comes.</summary>
    private static Task ConnectWithClosedWindowsAsync(Http2TestPeer peer) =>
        peer.SendAsync(Preface.ToArray(), Settings((SettingsParameter.InitialWindowSize, 0)));

    private static byte[][] Encrypt(int streamId) => [Headers(streamId, false, s_encrypt), Data(streamId, Message(SampleEncrypt), true)];

    [Fact]
    public async Task Serve_HeldResponsesOverConnectionBound_StreamResetEnhanceYourCalm()
    {
        // An Encrypt response is a few hundred bytes: 1,000 hold two or three of them.
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { MaxHeldResponseBytes = 1_000 });
        await using Http2TestPeer good = await server.ConnectHandshakenAsync();
        await using Http2TestPeer bad = await server.ConnectAsync();
        await ConnectWithClosedWindowsAsync(bad);
        await bad.SendAsync([.. Enumerable.Range(0, 10).SelectMany(i => Encrypt(2 * i + 1))]);

        TestFrame reset = await bad.ReadUntilAsync(f => f.Type == FrameType.RstStream);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, reset.ErrorCode);
        await KmsClient.AssertEncryptDecryptAsync(good);
    }

    [Fact]
    public async Task Serve_HeldResponsesOverServerBound_OtherConnectionsResponseDroppedToo()
    {
        // Each connection may hold 1 MiB, all of them together 1,000 bytes.
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { MaxBufferMemory = 1_000 });
        await using Http2TestPeer first = await server.ConnectAsync();
        await using Http2TestPeer second = await server.ConnectAsync();
        await ConnectWithClosedWindowsAsync(first);
        await ConnectWithClosedWindowsAsync(second);
        await first.SendAsync([.. Enumerable.Range(0, 10).SelectMany(i => Encrypt(2 * i + 1))]);
        TestFrame firstReset = await first.ReadUntilAsync(f => f.Type == FrameType.RstStream);

        // Bodies and queued output are charged for a moment too, so the room left beside the first connection's held
        // responses is not exactly known: ten more responses are more than it can hold.
        await second.SendAsync([.. Enumerable.Range(0, 10).SelectMany(i => Encrypt(2 * i + 1))]);
        TestFrame secondReset = await second.ReadUntilAsync(f => f.Type == FrameType.RstStream);

        Assert.Equal((Http2ErrorCode.EnhanceYourCalm, Http2ErrorCode.EnhanceYourCalm), (firstReset.ErrorCode, secondReset.ErrorCode));
    }

    [Fact]
    public async Task Serve_WindowsOpenButOutputFull_ResponsesHeldWithinBoundThenReset()
    {
        // Windows wide open, but 4 KiB of output room and 4 KiB of held bytes: of twelve 4 KiB responses produced in
        // one read batch, the first fills the output buffer, the next waits as held, and the rest are reset.
        var limits = new Http2Limits { MaxBufferedOutput = 4 * 1024, MaxHeldResponseBytes = 4 * 1024 };
        var request = new KmsNative.Kms.V2.EncryptRequest { Plaintext = Google.Protobuf.ByteString.CopyFrom(new byte[4 * 1024]), Uid = "u" };
        await using InProcessServer server = InProcessServer.Start(limits);
        await using Http2TestPeer peer = await server.ConnectAsync();
        await peer.SendAsync([Preface.ToArray(), Settings((SettingsParameter.InitialWindowSize, 1u << 20)), WindowUpdate(0, 1u << 24),
            .. Enumerable.Range(0, 12).SelectMany(i => new[] { Headers(2 * i + 1, false, s_encrypt), Data(2 * i + 1, Message(request), true) })]);

        // Each stream ends in trailers (END_STREAM on HEADERS) or in RST_STREAM; a completed one may also be followed
        // by RST_STREAM(NO_ERROR), which is not an outcome.
        var outcomes = new Dictionary<int, string>();
        while (outcomes.Count < 12)
        {
            TestFrame frame = await peer.ReadSignificantAsync();
            if (frame.Type == FrameType.RstStream && frame.ErrorCode != Http2ErrorCode.NoError)
            {
                outcomes.TryAdd(frame.StreamId, frame.ErrorCode.ToString());
            }
            else if (frame.Type == FrameType.Headers && frame.HasFlag(FrameFlags.EndStream))
            {
                outcomes.TryAdd(frame.StreamId, "trailers");
            }
        }

        Assert.Contains("trailers", outcomes.Values);
        Assert.Contains(nameof(Http2ErrorCode.EnhanceYourCalm), outcomes.Values);
    }

    [Fact]
    public async Task Serve_HeldResponseThenWindowOpens_SentAndBudgetGivenBack()
    {
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { MaxHeldResponseBytes = 1_000 });
        await using Http2TestPeer peer = await server.ConnectAsync();
        await ConnectWithClosedWindowsAsync(peer);
        for (int streamId = 1; streamId < 20; streamId += 2)
        {
            // One held at a time: each is sent once its window opens, and gives its bytes back.
            await peer.SendAsync([.. Encrypt(streamId), WindowUpdate(streamId, 1 << 20)]);
            TestResponse response = await peer.ReadResponseAsync(streamId);
            Assert.Equal("0", response.GrpcStatus);
        }
    }
}
