using Microsoft.Extensions.Time.Testing;
using KmsNative.Http2Testing;
using KmsNative.Protocol.Http2;
using static KmsNative.Http2Testing.Http2TestPeer;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// Per-frame costs that must not multiply (the work one frame causes is bounded by the frame, not by the open streams),
/// and no connection keeps a thread for more than a slice of work while others wait.
/// </summary>
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

    [Fact]
    public async Task Serve_OneConnectionFloodsExpensiveFrames_OtherConnectionServedWhileTheFloodIsUnprocessed()
    {
        // The server's slice yield is replaced by a gate: once armed, the first connection to spend a slice's budget
        // is held there (as a yielded connection waits in the thread pool's queue) until the test releases it. On main
        // no connection ever yields, so the flood would be processed to its end first and the gate never reached.
        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool armed = false;
        int yieldsWhileArmed = 0;
        Task YieldSlice()
        {
            if (!Volatile.Read(ref armed))
            {
                return Task.CompletedTask;
            }

            Interlocked.Increment(ref yieldsWhileArmed);
            parked.TrySetResult();
            return release.Task;
        }

        await using InProcessServer server = InProcessServer.Start(time: new FakeTimeProvider(), yieldSlice: YieldSlice);
        await using Http2TestPeer witness = await server.ConnectHandshakenAsync();
        await using Http2TestPeer attacker = await server.ConnectHandshakenAsync();
        await attacker.SendAsync([.. Enumerable.Range(0, 200).Select(i => Headers(2 * i + 1, false, s_encrypt)), Ping("opened!!"u8)]);
        await attacker.ReadUntilAsync(f => f.Type == FrameType.Ping && f.HasFlag(FrameFlags.Ack));

        // 40 SETTINGS frames of 2,000 entries each while 200 streams are open (the costly frame), then a PING
        // as a fence: its ACK comes once every SETTINGS frame before it has been handled.
        Volatile.Write(ref armed, true);
        (SettingsParameter, uint)[] entries = [.. Enumerable.Range(0, 2_000).Select(i => (SettingsParameter.InitialWindowSize, (uint)(65_535 + (i & 1))))];
        const int FloodFrames = 40;
        Task flood = attacker.SendAsync([.. Enumerable.Repeat(Settings(entries), FloodFrames), Ping("flooded!"u8)]);
        await parked.Task.WaitAsync(Http2TestPeer.Timeout);

        // The attacker is held mid-flood with frames unprocessed; the witness is served meanwhile.
        await KmsClient.AssertEncryptDecryptAsync(witness, firstStreamId: 1);

        release.TrySetResult();
        await flood.WaitAsync(Http2TestPeer.Timeout);
        int acks = 0;
        await attacker.ReadUntilAsync(f =>
        {
            acks += f.Type == FrameType.Settings && f.HasFlag(FrameFlags.Ack) ? 1 : 0;
            return f.Type == FrameType.Ping && f.HasFlag(FrameFlags.Ack);
        });
        Assert.Equal(FloodFrames, acks);
        // How many slices the rest took depends on how often a read found the socket empty (a fresh slice); at least one.
        Assert.True(Volatile.Read(ref yieldsWhileArmed) >= 1);
    }
}
