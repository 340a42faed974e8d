using KmsNative.Http2Testing;
using KmsNative.Kms.V2;
using KmsNative.Protocol.Http2;
using KmsNative.Tests.Observability;
using Microsoft.Extensions.Time.Testing;
using static KmsNative.Http2Testing.Http2TestPeer;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// Connection slots cannot be held by clients that do nothing: idle connections are closed, the longest-idle one makes
/// room for a newcomer, a stream whose request never completes is reset, and a refusal says why once in the log.
/// Every clock is fake; a PING answered proves the server has read what came before it.
/// </summary>
public class HostileConnectionSlotTests
{
    private static readonly (string, string)[] s_encrypt = GrpcRequest("/v2.KeyManagementService/Encrypt");

    private static async Task PingFenceAsync(Http2TestPeer peer)
    {
        byte[] opaque = [8, 7, 6, 5, 4, 3, 2, 1];
        await peer.SendAsync(Ping(opaque));
        await peer.ReadUntilAsync(f => f.Type == FrameType.Ping && f.HasFlag(FrameFlags.Ack) && f.Payload.AsSpan().SequenceEqual(opaque));
    }

    /// <summary>An Encrypt whose handler waits on <paramref name="backend"/>, in flight once this returns.</summary>
    private static async Task StartStuckEncryptAsync(Http2TestPeer peer, StuckBackend backend, int expectedStarted)
    {
        await peer.SendAsync(Headers(1, false, s_encrypt), Data(1, Message(SampleEncrypt), true));
        await PingFenceAsync(peer);
        Assert.Equal(expectedStarted, backend.EncryptsStarted);
    }

    private static async Task AssertStatusServedAsync(Http2TestPeer peer, int streamId)
    {
        TestResponse response = await KmsClient.CallAsync(peer, streamId, "Status", new StatusRequest());
        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Serve_NoStreamForIdleTimeout_GoAwayEvenThoughThePeerPings()
    {
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { IdleTimeout = TimeSpan.FromMinutes(5) }, time: clock);
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();

        clock.Advance(TimeSpan.FromMinutes(4));
        await PingFenceAsync(peer); // frames are not work: PINGs alone do not keep the slot
        clock.Advance(TimeSpan.FromMinutes(1));

        TestFrame goAway = await peer.ReadGoAwayThenCloseAsync();
        Assert.Equal(Http2ErrorCode.NoError, goAway.ErrorCode);
    }

    [Fact]
    public async Task Serve_RequestBodyNotCompleteWithinTimeout_StreamResetCancelAndConnectionServes()
    {
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { RequestBodyTimeout = TimeSpan.FromSeconds(10) }, time: clock);
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();
        await peer.SendAsync(Headers(1, false, s_encrypt), Data(1, [0, 0, 0], endStream: false)); // and nothing more
        await PingFenceAsync(peer);

        clock.Advance(TimeSpan.FromSeconds(9));
        await PingFenceAsync(peer);
        clock.Advance(TimeSpan.FromSeconds(1));

        TestFrame reset = await peer.ReadUntilAsync(f => f.Type is FrameType.RstStream or FrameType.GoAway);
        Assert.Equal((FrameType.RstStream, 1, Http2ErrorCode.Cancel), (reset.Type, reset.StreamId, reset.ErrorCode));
        await peer.SendAsync(Data(1, [1], endStream: true)); // late: ignored, the stream is closed by us
        await KmsClient.AssertEncryptDecryptAsync(peer, firstStreamId: 3);
    }

    [Fact]
    public async Task Serve_AllSlotsTaken_LongestIdleGetsGoAwayAndNewcomerIsServed()
    {
        using var backend = new StuckBackend();
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { MaxConnections = 2 }, backend, clock);
        await using Http2TestPeer idle = await server.ConnectHandshakenAsync();
        await using Http2TestPeer busy = await server.ConnectHandshakenAsync();
        await StartStuckEncryptAsync(busy, backend, expectedStarted: 1);

        await using Http2TestPeer newcomer = await server.ConnectHandshakenAsync();

        TestFrame goAway = await idle.ReadGoAwayThenCloseAsync();
        Assert.Equal(Http2ErrorCode.NoError, goAway.ErrorCode);
        await AssertStatusServedAsync(newcomer, 1);
        await AssertStatusServedAsync(busy, 3);
    }

    [Fact]
    public async Task Serve_AllSlotsHeldBySlowBodies_TheyMakeRoomNotTheIdleClientThatCompletedCalls()
    {
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { MaxConnections = 3 }, time: clock);
        await using Http2TestPeer apiserver = await server.ConnectHandshakenAsync();
        await AssertStatusServedAsync(apiserver, 1); // then idle between its calls, as kube-apiserver is
        await using Http2TestPeer slow1 = await server.ConnectHandshakenAsync();
        await using Http2TestPeer slow2 = await server.ConnectHandshakenAsync();
        foreach (Http2TestPeer slow in new[] { slow1, slow2 })
        {
            await slow.SendAsync(Headers(1, false, s_encrypt), Data(1, [0, 0, 0], endStream: false)); // and nothing more
            await PingFenceAsync(slow);
        }

        await using Http2TestPeer newcomer = await server.ConnectHandshakenAsync();

        TestFrame goAway = await slow1.ReadUntilAsync(f => f.Type == FrameType.GoAway);
        Assert.Equal(Http2ErrorCode.NoError, goAway.ErrorCode);
        await AssertStatusServedAsync(newcomer, 1);
        await AssertStatusServedAsync(apiserver, 3);
    }

    [Fact]
    public async Task Serve_ProcessAtItsConnectionLimit_NewcomerRefusedAtOnceAndLogged_SlotFreedAfterAClose()
    {
        var clock = new FakeTimeProvider();
        var log = new RecordingLog();
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { MaxConnectionsPerPeer = 2 }, time: clock, log: log);
        Http2TestPeer first = await server.ConnectHandshakenAsync();
        await using Http2TestPeer second = await server.ConnectHandshakenAsync();

        await using (Http2TestPeer third = await server.ConnectAsync()) // this test process is the one peer
        {
            TestFrame goAway = await third.ReadGoAwayThenCloseAsync();
            Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        }

        Assert.Equal(2, server.Server.ConnectionCount); // refused before anyone was evicted
        Assert.Single(log.Lines, l => l.Message == "connection refused: this client process holds as many connections as it may");
        await AssertStatusServedAsync(second, 1);

        await first.DisposeAsync();
        Assert.True(SpinWait.SpinUntil(() => server.Server.ConnectionCount == 1, Http2TestPeer.Timeout));
        await using Http2TestPeer again = await server.ConnectHandshakenAsync();
        await AssertStatusServedAsync(again, 1);
    }

    [Fact]
    public async Task Serve_AllSlotsBusy_NewcomerGetsGoAwayAndOneLogLineWithSuppressedCount()
    {
        using var backend = new StuckBackend();
        var clock = new FakeTimeProvider();
        var log = new RecordingLog();
        await using InProcessServer server = InProcessServer.Start(new Http2Limits { MaxConnections = 1 }, backend, clock, log);
        await using Http2TestPeer busy = await server.ConnectHandshakenAsync();
        await StartStuckEncryptAsync(busy, backend, expectedStarted: 1);

        for (int i = 0; i < 3; i++)
        {
            await using Http2TestPeer refused = await server.ConnectAsync();
            TestFrame goAway = await refused.ReadGoAwayThenCloseAsync();
            Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        }

        Assert.Single(log.Lines, l => l.Message.StartsWith("connection refused", StringComparison.Ordinal));
        clock.Advance(KmsNative.Kms.Hosting.KmsServer.LogInterval);
        await using (Http2TestPeer refused = await server.ConnectAsync())
        {
            await refused.ReadGoAwayThenCloseAsync();
        }

        var lines = log.Lines.Where(l => l.Message.StartsWith("connection refused", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains(("suppressed", (object?)2L), lines[1].Fields);
        await AssertStatusServedAsync(busy, 3);
    }

    [Fact]
    public async Task Serve_ManyConnectionErrors_LogLinesRateLimitedWithSuppressedCount()
    {
        var clock = new FakeTimeProvider();
        var log = new RecordingLog();
        await using InProcessServer server = InProcessServer.Start(time: clock, log: log);
        for (int i = 0; i < 8; i++)
        {
            await using Http2TestPeer bad = await server.ConnectAsync();
            await bad.SendAsync(Preface.ToArray(), Ping(new byte[8])); // the first frame must be SETTINGS
            await bad.ReadGoAwayThenCloseAsync();
        }

        Assert.Equal(5, log.Lines.Count(l => l.Message.StartsWith("connection closed on a protocol error", StringComparison.Ordinal)));
        clock.Advance(KmsNative.Kms.Hosting.KmsServer.LogInterval);
        await using (Http2TestPeer bad = await server.ConnectAsync())
        {
            await bad.SendAsync(Preface.ToArray(), Ping(new byte[8]));
            await bad.ReadGoAwayThenCloseAsync();
        }

        var lines = log.Lines.Where(l => l.Message.StartsWith("connection closed on a protocol error", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, lines.Count);
        Assert.Contains(("suppressed", (object?)3L), lines[5].Fields);
    }
}
