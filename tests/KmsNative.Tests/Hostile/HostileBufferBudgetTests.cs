using KmsNative.Http2Testing;
using KmsNative.Protocol.Http2;
using Microsoft.Extensions.Time.Testing;
using static KmsNative.Http2Testing.Http2TestPeer;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// The server-wide memory budget for buffers (--max-buffer-memory): request bodies and queued output are charged to
/// it as well as held responses. At the limit a request body is reset with ENHANCE_YOUR_CALM, a response that does not
/// fit is reset the same way, and a connection that does not read its output stops being read. After load, the pooled
/// buffers are given back.
/// </summary>
public class HostileBufferBudgetTests
{
    private static readonly (string, string)[] s_encrypt = GrpcRequest("/v2.KeyManagementService/Encrypt");

    [Fact]
    public async Task Serve_RequestBodiesOverBufferBudget_StreamResetEnhanceYourCalmAndBudgetGivenBack()
    {
        var limits = new Http2Limits { MaxBufferMemory = 50_000 };
        await using InProcessServer server = InProcessServer.Start(limits, time: new FakeTimeProvider());
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();
        byte[] chunk = new byte[16_000];

        // Stream 1 holds 32,000 bytes of an unfinished body; stream 3's second 16,000 would take the total past 50,000.
        await peer.SendAsync(Headers(1, false, s_encrypt), Data(1, chunk, false), Data(1, chunk, false),
            Headers(3, false, s_encrypt), Data(3, chunk, false), Data(3, chunk, false));
        TestFrame reset = await peer.ReadUntilAsync(f => f.Type == FrameType.RstStream);
        Assert.Equal((3, Http2ErrorCode.EnhanceYourCalm), (reset.StreamId, reset.ErrorCode));
        Assert.True(server.Server.BufferBudget.Used <= limits.MaxBufferMemory);

        // The client gives up stream 1: its body goes back to the budget, and calls are served again.
        await peer.SendAsync(RstStream(1, Http2ErrorCode.Cancel));
        await KmsClient.AssertEncryptDecryptAsync(peer, firstStreamId: 5);
        Assert.True(SpinWait.SpinUntil(() => server.Server.BufferBudget.Used == 0, Http2TestPeer.Timeout), $"{server.Server.BufferBudget.Used} bytes still charged");
    }

    [Fact]
    public async Task Serve_PeerNeverReadsItsOutput_OutputChargedWithinTheBudgetAndOthersServedOrResetNeverHung()
    {
        // A PING flood from a client that never reads: each read batch's ACKs (32 KiB) are charged until the socket
        // takes them, and once it stops taking them the batch stays charged. With a 16 KiB budget, output alone spends
        // it. Whether a call on another connection then fits depends on the moment (until the kernel's buffer is full
        // the ACKs drain), so the witness sees one of two clear outcomes, never a hang: served, or reset with
        // ENHANCE_YOUR_CALM. That the reader stops is OutputQueueTests' (a gated transport, no race).
        var limits = new Http2Limits { MaxBufferMemory = 16 * 1024 };
        await using InProcessServer server = InProcessServer.Start(limits, time: new FakeTimeProvider());
        await using Http2TestPeer witness = await server.ConnectHandshakenAsync();
        await using Http2TestPeer flooder = await server.ConnectHandshakenAsync();
        byte[] ping = Ping("flooding"u8);
        Task flood = flooder.SendAsync([.. Enumerable.Repeat(ping, 100_000)]); // 1.7 MB: more than the kernel buffers
        Assert.True(SpinWait.SpinUntil(() => server.Server.BufferBudget.IsSpent, Http2TestPeer.Timeout), $"{server.Server.BufferBudget.Used} bytes charged");

        TestResponse response = await KmsClient.CallAsync(witness, 1, "Encrypt", SampleEncrypt);
        Assert.True(response.ResetCode == Http2ErrorCode.EnhanceYourCalm || response.GrpcStatus == "0", $"reset {response.ResetCode}, status {response.GrpcStatus}");
        // One read batch (32 KiB of PINGs, 32 KiB of ACKs) may go past the budget: the read loop then waits for its
        // flush, and reads no more while its output is unsent and the budget spent.
        Assert.InRange(server.Server.BufferBudget.Used, 0, limits.MaxBufferMemory + 64 * 1024);

        // The flooder leaves: everything it held is given back and the witness is served.
        await flooder.DisposeAsync();
        await Task.WhenAny(flood); // ended by the close, whether it saw a broken pipe or a disposed socket
        Assert.True(SpinWait.SpinUntil(() => server.Server.BufferBudget.Used == 0, Http2TestPeer.Timeout), $"{server.Server.BufferBudget.Used} bytes still charged");
        await KmsClient.AssertEncryptDecryptAsync(witness, firstStreamId: 3);
    }

    [Fact]
    public async Task Serve_IdleAfterManyConnections_PoolTrimmedAfterAWholeIdleInterval()
    {
        // 40 connections rent 64 KiB each (read buffer, two output buffers) and give them back when they close; once
        // the server has rented nothing for a whole BufferTrimInterval, the pool is emptied.
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(time: clock);
        var peers = new List<Http2TestPeer>();
        for (int i = 0; i < 40; i++)
        {
            Http2TestPeer peer = await server.ConnectHandshakenAsync();
            await KmsClient.AssertEncryptDecryptAsync(peer);
            peers.Add(peer);
        }

        foreach (Http2TestPeer peer in peers)
        {
            await peer.DisposeAsync();
        }

        Assert.True(server.WaitForNoConnections());
        Assert.True(server.Server.Pool.RetainedBytes >= 40 * 64 * 1024, $"{server.Server.Pool.RetainedBytes} bytes pooled");

        TimeSpan interval = new Http2Limits().BufferTrimInterval;
        clock.Advance(interval); // the interval in which the connections rented: not idle
        Assert.Equal(0, server.Server.Trimmer.Trimmed.Count);
        clock.Advance(interval);
        Assert.Equal((1, 0L), (server.Server.Trimmer.Trimmed.Count, server.Server.Pool.RetainedBytes));
    }
}
