using KmsNative.Http2Testing;
using KmsNative.Protocol.Http2;
using static KmsNative.Http2Testing.Http2TestPeer;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;

namespace KmsNative.Tests.Hostile;

/// <summary>Per-frame costs that must not multiply: the work one frame causes is bounded by the frame, not by the open streams.</summary>
public class HostileFairnessTests
{
    private static readonly (string, string)[] s_encrypt = GrpcRequest("/v2.KeyManagementService/Encrypt");

    [Fact]
    public async Task Serve_SettingsWithManyInitialWindowSizes_OnlyTheLastIsApplied()
    {
        // Stream 1's send window is raised to 2^31-1. The first INITIAL_WINDOW_SIZE below would push it past 2^31-1,
        // the last one brings it back: applied one by one (main) that is FLOW_CONTROL_ERROR; applied once, as the last
        // value, nothing overflows, which is what makes a SETTINGS frame cost one pass over the streams.
        await using InProcessServer server = InProcessServer.Start();
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();
        await peer.SendAsync(
            Headers(1, false, s_encrypt),
            WindowUpdate(1, 0x7FFF_FFFF - 65_535),
            Settings((SettingsParameter.InitialWindowSize, 65_536), (SettingsParameter.InitialWindowSize, 65_535)),
            Data(1, Message(SampleEncrypt), endStream: true));

        TestResponse response = await peer.ReadResponseAsync(1);
        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Serve_SettingsWithThousandsOfEntriesWhileStreamsOpen_AckedAndStillServing()
    {
        await using InProcessServer server = InProcessServer.Start();
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();
        await peer.SendAsync([.. Enumerable.Range(0, 200).Select(i => Headers(2 * i + 1, false, s_encrypt))]);
        (SettingsParameter, uint)[] entries = [.. Enumerable.Range(0, 2_000).Select(i => (SettingsParameter.InitialWindowSize, (uint)(65_535 + (i & 1))))];
        for (int i = 0; i < 20; i++)
        {
            await peer.SendAsync(Settings(entries));
        }

        for (int i = 0; i < 20; i++)
        {
            await peer.ReadUntilAsync(f => f.Type == FrameType.Settings && f.HasFlag(FrameFlags.Ack));
        }

        await KmsClient.AssertEncryptDecryptAsync(peer, firstStreamId: 1001);
    }
}
