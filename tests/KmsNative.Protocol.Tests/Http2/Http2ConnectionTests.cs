using KmsNative.Protocol.Grpc;
using KmsNative.Protocol.Http2;
using static KmsNative.Http2Testing.Http2TestPeer;
using KmsNative.Http2Testing;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Protocol.Tests.Http2;

public class Http2ConnectionTests
{
    public static TheoryData<string> Chunkings => Chunking.Names;

    [Fact]
    public async Task RunAsync_Accepted_SendsSettingsThenConnectionWindowUpdateThenAcksClientSettings()
    {
        await using ConnectionHarness harness = ConnectionHarness.Start();

        TestFrame settings = await harness.Peer.ReadFrameAsync() ?? throw new InvalidOperationException("closed");
        Assert.Equal(FrameType.Settings, settings.Type);
        Assert.Equal(FrameFlags.None, settings.Flags);
        Assert.Equal([0x00, 0x03,  0x00, 0x00, 0x01, 0x00,   // MAX_CONCURRENT_STREAMS 256
                      0x00, 0x04,  0x00, 0x10, 0x00, 0x00,   // INITIAL_WINDOW_SIZE 1 MiB
                      0x00, 0x05,  0x00, 0x00, 0x40, 0x00,   // MAX_FRAME_SIZE 16,384
                      0x00, 0x06,  0x00, 0x00, 0x40, 0x00],  // MAX_HEADER_LIST_SIZE 16 KiB
                     settings.Payload);
        TestFrame windowUpdate = await harness.Peer.ReadFrameAsync() ?? throw new InvalidOperationException("closed");
        Assert.Equal(new TestFrame(FrameType.WindowUpdate, FrameFlags.None, 0, windowUpdate.Payload), windowUpdate);
        Assert.Equal(16 * 1024 * 1024 - 65_535, windowUpdate.WindowIncrement);

        await harness.Peer.SendPrefaceAsync((SettingsParameter.HeaderTableSize, 0));
        TestFrame ack = await harness.Peer.ReadFrameAsync() ?? throw new InvalidOperationException("closed");
        Assert.Equal(FrameType.Settings, ack.Type);
        Assert.Equal(FrameFlags.Ack, ack.Flags);
        Assert.Empty(ack.Payload);
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task RunAsync_RequestOverHeadersContinuationDataInAnyChunking_SameResponseFrames(string chunking)
    {
        await using ConnectionHarness harness = ConnectionHarness.Start();
        byte[] block = HeaderBlock(GrpcRequest("/test.Echo/Call", ("x-custom", "value")));
        byte[] body = GrpcMessage("hello, continuation"u8);
        byte[] wire =
        [
            .. Preface, .. Settings(),
            .. Frame(FrameType.Headers, FrameFlags.None, 1, block.AsSpan(0, 20)),                     // no END_HEADERS
            .. Frame(FrameType.Continuation, FrameFlags.None, 1, block.AsSpan(20, 30)),
            .. Frame(FrameType.Continuation, FrameFlags.EndHeaders, 1, block.AsSpan(50)),
            .. Data(1, body.AsSpan(0, 7), endStream: false),
            .. Data(1, body.AsSpan(7), endStream: true),
        ];

        foreach (ReadOnlyMemory<byte> chunk in Chunking.Split(chunking, wire))
        {
            await harness.Peer.SendAsync(chunk.ToArray());
        }

        TestResponse response = await harness.Peer.ReadResponseAsync(1);
        FakeApplication.ReceivedRequest request = await harness.Application.NextRequestAsync();
        Assert.Equal("/test.Echo/Call", request.Path);
        Assert.True(request.Stream.Headers.TryGetField("x-custom"u8, out ReadOnlySpan<byte> custom));
        Assert.Equal("value"u8.ToArray(), custom.ToArray());
        Assert.Equal(body, request.Body);

        Assert.Equal(
        [
            new TestFrame(FrameType.Headers, FrameFlags.EndHeaders, 1, GrpcHeaderBlocks.ResponseHeaders),
            new TestFrame(FrameType.Data, FrameFlags.None, 1, body),
            new TestFrame(FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.EndStream, 1, GrpcHeaderBlocks.OkTrailers),
        ], response.Frames, FrameComparer.Instance);
        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task RunAsync_Ping_AnsweredWithAckAndSamePayload()
    {
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync();
        await harness.Peer.SendAsync(Ping([8, 7, 6, 5, 4, 3, 2, 1]));
        TestFrame ack = await harness.Peer.ReadUntilAsync(f => f.Type == FrameType.Ping);
        Assert.Equal(new TestFrame(FrameType.Ping, FrameFlags.Ack, 0, [8, 7, 6, 5, 4, 3, 2, 1]), ack, FrameComparer.Instance);
    }

    [Fact]
    public async Task RunAsync_PingAck_NotAnswered()
    {
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync();
        await harness.Peer.SendAsync(Ping([9, 9, 9, 9, 9, 9, 9, 9], ack: true));
        List<TestFrame> before = await harness.ReadUntilPingAckAsync();
        Assert.Empty(before);
    }

    [Fact]
    public async Task RunAsync_TwentyInterleavedStreams_EachGetsItsOwnEcho()
    {
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync();
        int[] ids = [.. Enumerable.Range(0, 20).Select(i => 2 * i + 1)];
        var wire = new List<byte>();
        foreach (int id in ids)
        {
            wire.AddRange(Headers(id, endStream: false, GrpcRequest("/test.Echo/Call")));
        }

        foreach (int id in ids.Reverse())
        {
            byte[] body = GrpcMessage(BitConverter.GetBytes(id));
            wire.AddRange(Data(id, body.AsSpan(0, 3), endStream: false));
        }

        foreach (int id in ids)
        {
            byte[] body = GrpcMessage(BitConverter.GetBytes(id));
            wire.AddRange(Data(id, body.AsSpan(3), endStream: true));
        }

        await harness.Peer.SendAsync([.. wire]);

        var responses = new Dictionary<int, List<byte>>();
        var ended = new HashSet<int>();
        while (ended.Count < ids.Length)
        {
            TestFrame frame = await harness.Peer.ReadSignificantAsync();
            if (frame.Type == FrameType.Data)
            {
                responses[frame.StreamId] = [.. frame.Payload];
            }
            else if (frame.Type == FrameType.Headers && frame.HasFlag(FrameFlags.EndStream))
            {
                ended.Add(frame.StreamId);
            }
        }

        foreach (int id in ids)
        {
            Assert.Equal(GrpcMessage(BitConverter.GetBytes(id)), responses[id]);
        }
    }

    [Fact]
    public async Task RunAsync_PeerResetsDispatchedStream_CallsOnAbortedAndDropsLateResponse()
    {
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(application: new FakeApplication { AnswerAtOnce = false });
        await harness.Peer.SendAsync(Headers(1, endStream: false, GrpcRequest("/test.Echo/Call")), Data(1, GrpcMessage([1]), endStream: true));
        FakeApplication.ReceivedRequest request = await harness.Application.NextRequestAsync();

        await harness.Peer.SendAsync(RstStream(1, Http2ErrorCode.Cancel));
        Assert.Same(request.Stream, await harness.Application.NextAbortedAsync());

        FakeApplication.Answer(request.Stream, [1, 2, 3]);
        Assert.Empty(await harness.ReadUntilPingAckAsync());
    }

    [Fact]
    public async Task RunAsync_ConnectionEndsWithStreamInFlight_CallsOnAborted()
    {
        ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(application: new FakeApplication { AnswerAtOnce = false });
        await harness.Peer.SendAsync(Headers(1, endStream: true, GrpcRequest("/test.Echo/Call")));
        FakeApplication.ReceivedRequest request = await harness.Application.NextRequestAsync();

        await harness.DisposeAsync();

        Assert.Same(request.Stream, await harness.Application.NextAbortedAsync());
    }

    [Fact]
    public async Task RunAsync_ReceivedBodyAfterDispatch_ConnectionCreditReturned()
    {
        var limits = new Http2Limits { ConnectionWindowSize = 100_000 };
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(limits);
        byte[] body = GrpcMessage(new byte[29_995]); // 30,000 bytes: over a quarter of the window
        await harness.Peer.SendAsync(
            Headers(1, endStream: false, GrpcRequest("/test.Echo/Call")),
            Data(1, body.AsSpan(0, 16_384), endStream: false),
            Data(1, body.AsSpan(16_384), endStream: true));

        TestFrame update = await harness.Peer.ReadUntilAsync(f => f.Type == FrameType.WindowUpdate);
        Assert.Equal(0, update.StreamId);
        Assert.Equal(30_000, update.WindowIncrement);
    }

    [Fact]
    public async Task RunAsync_LargeBodyBelowHalfStreamWindow_StreamWindowReplenished()
    {
        var limits = new Http2Limits { InitialStreamWindowSize = 65_535 };
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(limits, new FakeApplication { AnswerAtOnce = false });
        byte[] chunk = new byte[16_384];
        await harness.Peer.SendAsync(
            Headers(1, endStream: false, GrpcRequest("/test.Echo/Call")),
            Data(1, chunk, endStream: false),
            Data(1, chunk, endStream: false),      // 32,768 consumed: window 32,767, not below half yet
            Data(1, chunk.AsSpan(0, 7_232), endStream: false)); // 40,000 consumed

        TestFrame update = await harness.Peer.ReadUntilAsync(f => f.Type == FrameType.WindowUpdate && f.StreamId == 1);
        Assert.Equal(40_000, update.WindowIncrement);
    }

    [Fact]
    public async Task BeginShutdown_StreamInFlight_GoAwayRefusesNewerStreamsThenClosesAfterAnswer()
    {
        ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(application: new FakeApplication { AnswerAtOnce = false });
        await harness.Peer.SendAsync(Headers(1, endStream: true, GrpcRequest("/test.Echo/Call")));
        FakeApplication.ReceivedRequest request = await harness.Application.NextRequestAsync();

        harness.Connection.BeginShutdown();

        TestFrame goAway = await harness.Peer.ReadSignificantAsync();
        Assert.Equal(FrameType.GoAway, goAway.Type);
        Assert.Equal(Http2ErrorCode.NoError, goAway.ErrorCode);
        Assert.Equal(1, goAway.LastStreamId);

        await harness.Peer.SendAsync(Headers(3, endStream: true, GrpcRequest("/test.Echo/Call")));
        TestFrame refused = await harness.Peer.ReadSignificantAsync();
        Assert.Equal((FrameType.RstStream, 3, Http2ErrorCode.RefusedStream), (refused.Type, refused.StreamId, refused.ErrorCode));

        FakeApplication.Answer(request.Stream, [4, 2]);
        TestResponse response = await harness.Peer.ReadResponseAsync(1);
        Assert.Equal([4, 2], response.Data);
        Assert.Empty(await harness.Peer.ReadUntilClosedAsync());
        await harness.WaitForCompletionAsync();
        await harness.DisposeAsync();
    }

    [Fact]
    public async Task RunAsync_SilentPeer_ClosedAfterHandshakeTimeout()
    {
        var clock = new FakeTimeProvider();
        var limits = new Http2Limits { HandshakeTimeout = TimeSpan.FromSeconds(10) };
        await using ConnectionHarness harness = ConnectionHarness.Start(limits, time: clock);
        await harness.Peer.SendAsync(Preface.ToArray()); // the preface, but never SETTINGS

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(harness.Run.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await harness.WaitForCompletionAsync();
        List<TestFrame> frames = await harness.Peer.ReadUntilClosedAsync();
        Assert.All(frames, f => Assert.True(f.Type is FrameType.Settings or FrameType.WindowUpdate, f.ToString()));
    }

    [Fact]
    public async Task RunAsync_NoStreamsForIdleTimeout_GoAwayNoErrorAndClose()
    {
        var clock = new FakeTimeProvider();
        var limits = new Http2Limits { IdleTimeout = TimeSpan.FromMinutes(10) };
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(limits, time: clock);

        // The SETTINGS ACK we read was written after the idle timer was armed: advancing now reaches it.
        clock.Advance(TimeSpan.FromMinutes(10));
        TestFrame goAway = await harness.Peer.ReadGoAwayThenCloseAsync();
        Assert.Equal(Http2ErrorCode.NoError, goAway.ErrorCode);
        Assert.Equal(0, goAway.LastStreamId);
        await harness.WaitForCompletionAsync();
    }

    internal sealed class FrameComparer : IEqualityComparer<TestFrame>
    {
        public static readonly FrameComparer Instance = new();

        public bool Equals(TestFrame? x, TestFrame? y) =>
            x is not null && y is not null && (x.Type, x.Flags, x.StreamId) == (y.Type, y.Flags, y.StreamId) && x.Payload.AsSpan().SequenceEqual(y.Payload);

        public int GetHashCode(TestFrame obj) => HashCode.Combine(obj.Type, obj.StreamId);
    }
}
