using KmsNative.Http2Testing;
using KmsNative.Protocol.Http2;
using static KmsNative.Http2Testing.Http2TestPeer;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// Work a client makes us do without a request of its own: resets we are provoked into sending (CVE-2025-8671,
/// "MadeYouReset") and oversized header blocks share the rapid-reset budget; handlers in flight stay within
/// SETTINGS_MAX_CONCURRENT_STREAMS whatever happened to their streams.
/// </summary>
public class HostileResetBudgetTests
{
    private static readonly (string, string)[] s_encrypt = GrpcRequest("/v2.KeyManagementService/Encrypt");

    /// <summary>An Encrypt, then WINDOW_UPDATE 0 on its stream: a stream error we answer with RST_STREAM(PROTOCOL_ERROR).</summary>
    private static byte[][] EncryptThenProvokeReset(int streamId) =>
        [Headers(streamId, false, s_encrypt), Data(streamId, Message(SampleEncrypt), true), WindowUpdate(streamId, 0)];

    [Fact]
    public async Task Serve_ProvokedResets_GoAwayEnhanceYourCalmAndOtherConnectionServed()
    {
        // Every dispatched handler is still in flight when its stream is reset, as with a slow Key Vault.
        using var backend = new StuckBackend();
        await using InProcessServer server = InProcessServer.Start(backend: backend);
        await using Http2TestPeer good = await server.ConnectHandshakenAsync();
        await using Http2TestPeer bad = await server.ConnectAsync();

        await Attack([.. Enumerable.Range(0, 250).SelectMany(i => EncryptThenProvokeReset(2 * i + 1))])(bad);
        TestFrame goAway = await bad.ReadGoAwayThenCloseAsync();

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        backend.Release();
        await KmsClient.AssertEncryptDecryptAsync(good);
    }

    [Fact]
    public async Task Serve_ResetStreamsWhoseHandlersStillRun_CountAgainstMaxConcurrentStreams()
    {
        using var backend = new StuckBackend();
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { MaxConcurrentStreams = 4 }, backend);
        await using Http2TestPeer peer = await server.ConnectAsync();

        await Attack([.. Enumerable.Range(0, 5).SelectMany(i => EncryptThenProvokeReset(2 * i + 1))])(peer);

        for (int streamId = 1; streamId <= 7; streamId += 2)
        {
            TestFrame reset = await peer.ReadUntilAsync(f => f.Type == FrameType.RstStream && f.StreamId == streamId);
            Assert.Equal(Http2ErrorCode.ProtocolError, reset.ErrorCode); // the WINDOW_UPDATE 0
        }

        // Streams 1 to 7 are closed, but their four handlers still run: stream 9 is refused, and its handler never starts.
        TestFrame refused = await peer.ReadUntilAsync(f => f.Type == FrameType.RstStream && f.StreamId == 9);
        Assert.Equal(Http2ErrorCode.RefusedStream, refused.ErrorCode);
        Assert.Equal(4, backend.EncryptsStarted);
    }

    [Fact]
    public async Task Serve_HpackBomb_GoAwayEnhanceYourCalmAndOtherConnectionServed()
    {
        // One 4,000-byte value added to the dynamic table, then referenced 4,000 times: 8 KB on the wire, 16 MB decoded.
        byte[] literal = HeaderBlock(("x-bomb", new string('b', 4_000)));
        literal[0] = 0x40; // RFC 7541 §6.2.1: literal with incremental indexing, new name
        byte[] block = [.. HeaderBlock(s_encrypt), .. literal, .. Enumerable.Repeat((byte)(0x80 | 62), 4_000)]; // §6.1: index 62, the entry just added

        await using InProcessServer server = InProcessServer.Start();
        await using Http2TestPeer good = await server.ConnectHandshakenAsync();
        await using Http2TestPeer bad = await server.ConnectAsync();
        await Attack(Frame(FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.EndStream, 1, block))(bad);
        TestFrame goAway = await bad.ReadGoAwayThenCloseAsync();

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        await KmsClient.AssertEncryptDecryptAsync(good);
    }

    [Fact]
    public async Task Serve_HeaderBlockJustOverTheLimit_StreamResetOnly()
    {
        // A block slightly over SETTINGS_MAX_HEADER_LIST_SIZE costs one charge, like a reset: the stream is refused, the
        // connection serves on.
        await using InProcessServer server = InProcessServer.Start();
        await using Http2TestPeer peer = await server.ConnectAsync();
        byte[] block = HeaderBlock([.. s_encrypt, ("x-big", new string('v', 16 * 1024))]);
        await Attack(Frame(FrameType.Headers, FrameFlags.EndStream, 1, block.AsSpan(0, 10_000)),
                     Frame(FrameType.Continuation, FrameFlags.EndHeaders, 1, block.AsSpan(10_000)))(peer);

        TestFrame reset = await peer.ReadUntilAsync(f => f.Type is FrameType.RstStream or FrameType.GoAway);
        Assert.Equal((FrameType.RstStream, Http2ErrorCode.ProtocolError), (reset.Type, reset.ErrorCode));
        await KmsClient.AssertEncryptDecryptAsync(peer, firstStreamId: 3);
    }
}
