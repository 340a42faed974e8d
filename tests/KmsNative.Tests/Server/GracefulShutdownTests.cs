using Google.Protobuf;
using KmsNative.Kms;
using KmsNative.Kms.V2;
using KmsNative.Protocol.Http2;
using KmsNative.Tests.Hostile;
using Microsoft.Extensions.Time.Testing;
using static KmsNative.Http2Testing.Http2TestPeer;
using KmsNative.Http2Testing;

namespace KmsNative.Tests.Server;

// What SIGTERM does (Program → Http2Server.ShutdownAsync): GOAWAY, calls in flight finish within the grace period.
// The backend's latency runs on a fake clock, so "in flight" is a state the test controls, not a race.
public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan s_backendDelay = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Shutdown_CallInFlight_GoAwayThenTheCallCompletesThenClose()
    {
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(backend: new InMemoryBackend(s_backendDelay, clock));
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();
        await StartEncryptAndWaitUntilHandlerRunsAsync(peer);

        Task shutdown = server.Server.ShutdownAsync(TimeSpan.FromSeconds(30));

        TestFrame goAway = await peer.ReadUntilAsync(f => f.Type == FrameType.GoAway);
        Assert.Equal(Http2ErrorCode.NoError, goAway.ErrorCode);
        Assert.Equal(1, goAway.LastStreamId);
        Assert.False(shutdown.IsCompleted);

        clock.Advance(s_backendDelay); // the backend answers
        TestResponse response = await peer.ReadResponseAsync(1);
        Assert.Equal("0", response.GrpcStatus);
        await peer.ReadUntilClosedAsync();
        await shutdown.WaitAsync(Http2TestPeer.Timeout);
        Assert.Equal(0, server.Server.ConnectionCount);
    }

    [Fact]
    public async Task Shutdown_GracePeriodRunsOut_ConnectionIsClosed()
    {
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(backend: new InMemoryBackend(s_backendDelay, clock), time: clock);
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();
        await StartEncryptAndWaitUntilHandlerRunsAsync(peer);

        // The backend answers only after s_backendDelay on the same clock: the grace period, shorter, ends the wait.
        Task shutdown = server.Server.ShutdownAsync(TimeSpan.FromMilliseconds(50));
        await peer.ReadUntilAsync(f => f.Type == FrameType.GoAway);
        clock.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(shutdown.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await shutdown.WaitAsync(Http2TestPeer.Timeout);

        List<TestFrame> frames = await peer.ReadUntilClosedAsync();
        Assert.DoesNotContain(frames, f => f.StreamId == 1 && f.Type == FrameType.Data);
        Assert.Equal(0, server.Server.ConnectionCount);
    }

    [Fact]
    public async Task Shutdown_NewStreamAfterGoAway_IsRefused()
    {
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(backend: new InMemoryBackend(s_backendDelay, clock));
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();
        await StartEncryptAndWaitUntilHandlerRunsAsync(peer);
        Task shutdown = server.Server.ShutdownAsync(TimeSpan.FromSeconds(30));
        await peer.ReadUntilAsync(f => f.Type == FrameType.GoAway);

        await peer.SendAsync(Headers(3, endStream: false, GrpcRequest("/v2.KeyManagementService/Status")), Data(3, GrpcMessage([]), endStream: true));
        TestFrame reset = await peer.ReadUntilAsync(f => f.Type == FrameType.RstStream && f.StreamId == 3);
        Assert.Equal(Http2ErrorCode.RefusedStream, reset.ErrorCode); // a client retries REFUSED_STREAM elsewhere

        clock.Advance(s_backendDelay);
        Assert.Equal("0", (await peer.ReadResponseAsync(1)).GrpcStatus);
        await shutdown.WaitAsync(Http2TestPeer.Timeout);
    }

    /// <summary>
    /// Sends an Encrypt and a PING behind it. The read loop dispatches the request (the handler starts and waits on the
    /// fake clock) before it reads the PING, so the PING's ACK proves the call is in flight.
    /// </summary>
    private static async Task StartEncryptAndWaitUntilHandlerRunsAsync(Http2TestPeer peer)
    {
        var request = new EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek"), Uid = "in-flight" };
        byte[] opaque = [1, 2, 3, 4, 5, 6, 7, 8];
        await peer.SendAsync(
            Headers(1, endStream: false, GrpcRequest("/v2.KeyManagementService/Encrypt")),
            Data(1, GrpcMessage(request.ToByteArray()), endStream: true),
            Ping(opaque));
        await peer.ReadUntilAsync(f => f.Type == FrameType.Ping && f.HasFlag(FrameFlags.Ack) && f.Payload.AsSpan().SequenceEqual(opaque));
    }
}
