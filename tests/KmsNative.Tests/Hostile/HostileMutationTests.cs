using KmsNative.Kms.V2;
using KmsNative.Protocol.Http2;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;
using static KmsNative.Http2Testing.Http2TestPeer;
using KmsNative.Http2Testing;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// Seeded random damage to a valid client byte stream, sent over real sockets. Each connection must end (GOAWAY,
/// RST_STREAM, responses, or a plain close once we stop sending) within the read timeout, no connection may end in
/// an exception the server did not expect, and the server must keep serving and leave no connection behind.
/// </summary>
public class HostileMutationTests
{
    private static byte[] ValidClientStream()
    {
        byte[] block = HeaderBlock(GrpcRequest("/v2.KeyManagementService/Encrypt", ("grpc-timeout", "5S"), ("content-length", "14")));
        return
        [
            .. Preface, .. Settings((SettingsParameter.InitialWindowSize, 100), (SettingsParameter.MaxFrameSize, 16_384)),
            .. Frame(FrameType.Headers, FrameFlags.None, 1, block.AsSpan(0, 30)),
            .. Frame(FrameType.Continuation, FrameFlags.EndHeaders, 1, block.AsSpan(30)),
            .. Frame(FrameType.Data, FrameFlags.Padded, 1, [3, .. Message(SampleEncrypt).AsSpan(0, 4), 0, 0, 0]),
            .. Data(1, Message(SampleEncrypt).AsSpan(4), endStream: true),
            .. Ping([1, 2, 3, 4, 5, 6, 7, 8]),
            .. Headers(3, endStream: true, GrpcRequest("/v2.KeyManagementService/Status")),
            .. WindowUpdate(0, 1_000),
            .. WindowUpdate(1, 1_000),
            .. Headers(5, endStream: false, GrpcRequest("/v1beta1.KeyManagementService/Version")),
            .. RstStream(5, Http2ErrorCode.Cancel),
            .. Frame(FrameType.Priority, FrameFlags.None, 7, [0, 0, 0, 0, 16]),
            .. Frame(FrameType.GoAway, FrameFlags.None, 0, [0, 0, 0, 0, 0, 0, 0, 0]),
        ];
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        byte[] mutated = (byte[])valid.Clone();
        int flips = random.Next(0, 4);
        for (int i = 0; i < flips; i++)
        {
            int position = random.Next(24, mutated.Length); // mostly past the preface: a broken preface is one case only
            mutated[position] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)(mutated[position] ^ (1 << random.Next(8)));
        }

        if (flips == 0 || random.Next(3) == 0)
        {
            mutated = mutated[..random.Next(1, mutated.Length)];
        }

        return mutated;
    }

    [Fact]
    public async Task Serve_MutatedClientStreams_EveryConnectionEndsAndServerKeepsServing()
    {
        var unexpected = new List<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            lock (unexpected)
            {
                unexpected.Add(e.Exception);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await using InProcessServer server = InProcessServer.Start();
            Http2TestPeer good = await server.ConnectHandshakenAsync();
            byte[] valid = ValidClientStream();
            var random = new Random(20_261_128);
            for (int iteration = 0; iteration < 300; iteration++)
            {
                byte[] mutated = Mutate(valid, random);
                await using Http2TestPeer peer = await server.ConnectAsync();
                await peer.SendAsync(mutated);
                if (!peer.SendFailed)
                {
                    peer.ShutdownSend();
                }

                // Throws TimeoutException if the server neither answers nor closes.
                List<TestFrame> frames = await peer.ReadUntilClosedAsync();
                Assert.True(frames.Count > 0 || mutated.Length < 24, $"iteration {iteration}: no server preface");
            }

            await KmsClient.AssertEncryptDecryptAsync(good);
            await good.DisposeAsync();
            Assert.True(server.WaitForNoConnections(), $"{server.Server.ConnectionCount} connections left open");
            Assert.Empty(server.HandlerFailures);
        }
        finally
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        Assert.DoesNotContain(unexpected, e => e.ToString().Contains("KmsNative.Protocol", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_ManyHostileConnections_ConnectionCountReturnsToZero()
    {
        var clock = new FakeTimeProvider();
        var limits = new Http2Limits { HandshakeTimeout = TimeSpan.FromSeconds(1) };
        await using InProcessServer server = InProcessServer.Start(limits, time: clock);
        var peers = new List<Http2TestPeer>();
        for (int i = 0; i < 10; i++)
        {
            // Silent: closed by the handshake timeout.
            peers.Add(await server.ConnectAsync());

            // Half a preface, then gone.
            Http2TestPeer half = await server.ConnectAsync();
            await half.SendAsync(Preface[..10].ToArray());
            await half.DisposeAsync();

            // Streams left open mid-request, then gone.
            Http2TestPeer open = await server.ConnectAsync();
            await Attack([.. Enumerable.Range(0, 10).Select(s => Headers(2 * s + 1, false, GrpcRequest("/v2.KeyManagementService/Encrypt")))])(open);
            await open.DisposeAsync();

            // A connection error.
            Http2TestPeer bad = await server.ConnectAsync();
            await Attack(WindowUpdate(0, 0))(bad);
            await bad.ReadGoAwayThenCloseAsync();
            await bad.DisposeAsync();

            // A peer GOAWAY after a call: the server closes once the call is answered.
            Http2TestPeer leaving = await server.ConnectHandshakenAsync();
            await leaving.SendAsync(Headers(1, false, GrpcRequest("/v2.KeyManagementService/Status")), Data(1, GrpcMessage([]), true),
                                    Frame(FrameType.GoAway, FrameFlags.None, 0, new byte[8]));
            Assert.Equal("0", (await leaving.ReadResponseAsync(1)).GrpcStatus);
            await leaving.ReadUntilClosedAsync();
            await leaving.DisposeAsync();
        }

        // Every silent connection was accepted before the handshaken one after it, so its handshake timer is armed.
        clock.Advance(limits.HandshakeTimeout);
        foreach (Http2TestPeer silent in peers)
        {
            await silent.ReadUntilClosedAsync();
            await silent.DisposeAsync();
        }

        Assert.True(server.WaitForNoConnections(), $"{server.Server.ConnectionCount} connections left open");
    }
}
