using Grpc.Core;
using KmsNative.Http2Testing;
using KmsNative.Protocol.Grpc;
using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Tests.Http2;
using Microsoft.Extensions.Time.Testing;
using static KmsNative.Http2Testing.Http2TestPeer;

namespace KmsNative.Protocol.Tests.Buffers;

/// <summary>
/// A connection and the gRPC dispatcher on a <see cref="ZeroCheckingPool"/>: on every path a call can take, each array
/// rented for it (read buffer, header block, request body, response serialization, held DATA, frame writer, spare)
/// comes back to the pool, and comes back all zeros.
/// </summary>
public class ConnectionBuffersZeroedTests
{
    private static readonly byte[] s_dek = [.. Enumerable.Repeat((byte)0xD5, 32)];
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(static b => b, static b => b);

    [Fact]
    public Task Call_Success_EveryArrayReturnedZeroed() => RunAsync(async (peer, _) =>
    {
        TestResponse response = await CallAsync(peer, 1, "Echo");
        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal(GrpcMessage(s_dek), response.Data);
    });

    [Fact]
    public Task Call_HandlerThrows_EveryArrayReturnedZeroed() => RunAsync(async (peer, _) =>
    {
        TestResponse response = await CallAsync(peer, 1, "Fail");
        Assert.Equal("2", response.GrpcStatus);
    });

    [Fact]
    public Task Call_ClientResetsWhileHandlerRuns_EveryArrayReturnedZeroed() => RunAsync(async (peer, _) =>
    {
        await StartAndFenceAsync(peer, "Wait");
        await peer.SendAsync(RstStream(1, Http2ErrorCode.Cancel));
        await PingFenceAsync(peer, 2);
    });

    [Fact]
    public Task Call_DeadlinePasses_EveryArrayReturnedZeroed() => RunAsync(async (peer, clock) =>
    {
        await StartAndFenceAsync(peer, "Wait", ("grpc-timeout", "1S"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("4", (await peer.ReadResponseAsync(1)).GrpcStatus);
    });

    [Fact]
    public Task Call_ConnectionClosesWhileHandlerRuns_EveryArrayReturnedZeroed() => RunAsync(peer => StartAndFenceAsync(peer, "Wait"));

    [Fact]
    public Task Call_ConnectionClosesWhileResponseWaitsForWindow_EveryArrayReturnedZeroed() => RunAsync(async (peer, _) =>
    {
        await peer.SendAsync(Headers(1, endStream: false, GrpcRequest("/test.Secrets/Echo")), Data(1, GrpcMessage(s_dek), endStream: true));
        List<TestFrame> frames = await PingFenceAsync(peer);
        Assert.Equal(10, frames.Where(f => f.Type == FrameType.Data).Sum(f => f.Payload.Length)); // the rest is held
    }, settings: (SettingsParameter.InitialWindowSize, 10));

    [Fact]
    public Task Call_ConnectionClosesMidBody_EveryArrayReturnedZeroed() => RunAsync(async (peer, _) =>
    {
        await peer.SendAsync(Headers(1, endStream: false, GrpcRequest("/test.Secrets/Echo")), Data(1, GrpcMessage(s_dek), endStream: false));
        await PingFenceAsync(peer);
    });

    [Fact]
    public Task Call_ConnectionClosesMidHeaderBlock_EveryArrayReturnedZeroed() => RunAsync(async (peer, _) =>
    {
        byte[] block = HeaderBlock(GrpcRequest("/test.Secrets/Echo", ("authorization", "Bearer secret-token")));
        await peer.SendAsync(Frame(FrameType.Headers, FrameFlags.None, 1, block.AsSpan(0, block.Length / 2)));
    });

    [Fact]
    public Task Connection_ProtocolError_EveryArrayReturnedZeroed() => RunAsync(async (peer, _) =>
    {
        await peer.SendAsync(Headers(1, endStream: false, GrpcRequest("/test.Secrets/Echo")), Data(1, GrpcMessage(s_dek), endStream: false),
                             WindowUpdate(0, 0));
        await peer.ReadGoAwayThenCloseAsync();
    });

    private static Task RunAsync(Func<Http2TestPeer, Task> scenario) => RunAsync((peer, _) => scenario(peer));

    private static async Task RunAsync(Func<Http2TestPeer, FakeTimeProvider, Task> scenario, params (SettingsParameter, uint)[] settings)
    {
        var pool = new ZeroCheckingPool();
        var clock = new FakeTimeProvider();
        (PipeDuplexStream client, PipeDuplexStream server) = PipeDuplexStream.CreatePair();
        var connection = new Http2Connection(server, CreateDispatcher(clock), new Http2Limits(), "test", clock, pool);
        Task run = Task.Run(connection.RunAsync);
        var peer = new Http2TestPeer(client);
        await peer.SendPrefaceAsync(settings);
        await peer.ReadUntilAsync(f => f.Type == FrameType.Settings && f.HasFlag(FrameFlags.Ack));

        await scenario(peer, clock);
        await peer.DisposeAsync();
        await run.WaitAsync(Http2TestPeer.Timeout);

        Assert.True(pool.WaitUntilAllReturned(), $"{pool.Outstanding} of {pool.Rented} arrays never returned");
        Assert.Empty(pool.Violations);
    }

    private static GrpcDispatcher CreateDispatcher(TimeProvider clock)
    {
        var binder = new UnaryServiceBinder();
        binder.AddMethod(Method("Echo"), static (byte[] request, ServerCallContext _) => Task.FromResult(request));
        binder.AddMethod(Method("Fail"), static (byte[] _, ServerCallContext _) => throw new InvalidOperationException("handler failed"));
        binder.AddMethod(Method("Wait"), static async (byte[] request, ServerCallContext context) =>
        {
            await Task.Delay(System.Threading.Timeout.Infinite, context.CancellationToken);
            return request;
        });
        return new GrpcDispatcher(binder.Build(), 4 * 1024 * 1024, clock);
    }

    private static Method<byte[], byte[]> Method(string name) => new(MethodType.Unary, "test.Secrets", name, s_bytes, s_bytes);

    private static async Task<TestResponse> CallAsync(Http2TestPeer peer, int streamId, string method)
    {
        await peer.SendAsync(Headers(streamId, endStream: false, GrpcRequest("/test.Secrets/" + method)), Data(streamId, GrpcMessage(s_dek), endStream: true));
        return await peer.ReadResponseAsync(streamId);
    }

    /// <summary>Sends a call and a PING behind it: the ACK proves the read loop has dispatched the call (its handler runs).</summary>
    private static async Task StartAndFenceAsync(Http2TestPeer peer, string method, params (string, string)[] extra)
    {
        await peer.SendAsync(Headers(1, endStream: false, GrpcRequest("/test.Secrets/" + method, extra)), Data(1, GrpcMessage(s_dek), endStream: true));
        await PingFenceAsync(peer);
    }

    private static async Task<List<TestFrame>> PingFenceAsync(Http2TestPeer peer, byte marker = 1)
    {
        byte[] opaque = [marker, 0, 0, 0, 0, 0, 0, 0];
        await peer.SendAsync(Ping(opaque));
        var before = new List<TestFrame>();
        while (true)
        {
            TestFrame frame = await peer.ReadFrameAsync() ?? throw new InvalidOperationException("closed before the PING ACK");
            if (frame.Type == FrameType.Ping && frame.HasFlag(FrameFlags.Ack) && frame.Payload.AsSpan().SequenceEqual(opaque))
            {
                return before;
            }

            before.Add(frame);
        }
    }
}
