using KmsNative.Protocol.Http2;
using static KmsNative.Http2Testing.Http2TestPeer;
using KmsNative.Http2Testing;

namespace KmsNative.Protocol.Tests.Http2;

/// <summary>Response DATA under the peer's flow-control windows (RFC 9113 §5.2, §6.9) and frame size (§4.2).</summary>
public class Http2ConnectionFlowControlTests
{
    private static readonly byte[] s_body = [.. Enumerable.Range(0, 100).Select(i => (byte)i)];

    [Fact]
    public async Task Respond_TinyStreamWindow_StallsUntilStreamWindowUpdateThenSendsRestAndTrailers()
    {
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(
            application: new FakeApplication { ResponseBody = s_body }, settings: (SettingsParameter.InitialWindowSize, 10));
        await harness.Peer.SendAsync(Headers(1, endStream: true, GrpcRequest("/test.Echo/Call")));

        List<TestFrame> stalled = await harness.ReadUntilPingAckAsync();
        Assert.Equal([FrameType.Headers, FrameType.Data], stalled.Where(f => f.StreamId == 1).Select(f => f.Type));
        Assert.Equal(s_body[..10], stalled.Single(f => f.Type == FrameType.Data).Payload);

        await harness.Peer.SendAsync(WindowUpdate(1, 90));
        TestResponse rest = await harness.Peer.ReadResponseAsync(1);
        Assert.Equal(s_body[10..], rest.Data);
        Assert.Equal("0", rest.GrpcStatus);
        Assert.Equal(FrameType.Headers, rest.Frames[^1].Type); // trailers after the data
    }

    [Fact]
    public async Task Respond_TinyStreamWindow_InitialWindowSizeIncreaseReleasesIt()
    {
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(
            application: new FakeApplication { ResponseBody = s_body }, settings: (SettingsParameter.InitialWindowSize, 10));
        await harness.Peer.SendAsync(Headers(1, endStream: true, GrpcRequest("/test.Echo/Call")));
        List<TestFrame> stalled = await harness.ReadUntilPingAckAsync();
        Assert.Equal(10, stalled.Where(f => f.Type == FrameType.Data).Sum(f => f.Payload.Length));

        // §6.9.2: the change applies to open streams by the difference: 10 → 60 gives 50 more.
        await harness.Peer.SendAsync(Settings((SettingsParameter.InitialWindowSize, 60)));
        List<TestFrame> more = await harness.ReadUntilPingAckAsync();
        Assert.Equal(s_body[10..60], more.Where(f => f.Type == FrameType.Data).SelectMany(f => f.Payload));
        Assert.Contains(more, f => f.Type == FrameType.Settings && f.HasFlag(FrameFlags.Ack));

        await harness.Peer.SendAsync(Settings((SettingsParameter.InitialWindowSize, 1000)));
        TestResponse rest = await harness.Peer.ReadResponseAsync(1);
        Assert.Equal(s_body[60..], rest.Data);
        Assert.Equal("0", rest.GrpcStatus);
    }

    [Fact]
    public async Task Respond_ConnectionWindowExhausted_StallsUntilConnectionWindowUpdate()
    {
        byte[] body = new byte[70_000];
        new Random(3).NextBytes(body);
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(
            application: new FakeApplication { ResponseBody = body }, settings: (SettingsParameter.InitialWindowSize, 1 << 20));
        await harness.Peer.SendAsync(Headers(1, endStream: true, GrpcRequest("/test.Echo/Call")));

        List<TestFrame> stalled = await harness.ReadUntilPingAckAsync();
        List<TestFrame> data = [.. stalled.Where(f => f.Type == FrameType.Data)];
        Assert.Equal(65_535, data.Sum(f => f.Payload.Length)); // §6.9.2: the connection window starts at 65,535
        Assert.All(data, f => Assert.True(f.Payload.Length <= 16_384));
        Assert.DoesNotContain(stalled, f => f.Type == FrameType.Headers && f.HasFlag(FrameFlags.EndStream));

        await harness.Peer.SendAsync(WindowUpdate(0, 10_000));
        TestResponse rest = await harness.Peer.ReadResponseAsync(1);
        Assert.Equal(body[65_535..], rest.Data);
        Assert.Equal("0", rest.GrpcStatus);
    }

    [Fact]
    public async Task Respond_PeerMaxFrameSizeRaised_DataFramesUpToIt()
    {
        byte[] body = new byte[50_000];
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(
            application: new FakeApplication { ResponseBody = body },
            settings: [(SettingsParameter.InitialWindowSize, 1 << 20), (SettingsParameter.MaxFrameSize, 20_000)]);
        await harness.Peer.SendAsync(WindowUpdate(0, 1 << 20), Headers(1, endStream: true, GrpcRequest("/test.Echo/Call")));

        TestResponse response = await harness.Peer.ReadResponseAsync(1);
        Assert.Equal([20_000, 20_000, 10_000], response.Frames.Where(f => f.Type == FrameType.Data).Select(f => f.Payload.Length));
    }

    [Fact]
    public async Task Respond_DefaultPeerMaxFrameSize_DataFramesAtMost16384()
    {
        byte[] body = new byte[40_000];
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(
            application: new FakeApplication { ResponseBody = body }, settings: (SettingsParameter.InitialWindowSize, 1 << 20));
        await harness.Peer.SendAsync(Headers(1, endStream: true, GrpcRequest("/test.Echo/Call")));

        TestResponse response = await harness.Peer.ReadResponseAsync(1);
        Assert.Equal([16_384, 16_384, 7_232], response.Frames.Where(f => f.Type == FrameType.Data).Select(f => f.Payload.Length));
    }

    public static TheoryData<string> ResetsBeforeDispatch => ["client RST_STREAM", "stream WINDOW_UPDATE overflow", "DATA beyond stream window"];

    /// <summary>
    /// §6.9: DATA counts against the connection window. Bytes buffered for a stream that is then reset before it is
    /// dispatched are freed, so their connection credit must come back, or every such reset shrinks the window for good
    /// and a well-behaved client eventually stalls.
    /// </summary>
    [Theory]
    [MemberData(nameof(ResetsBeforeDispatch))]
    public async Task OnData_StreamResetBeforeDispatch_ConnectionCreditReturned(string reset)
    {
        // Stream window 20,000: two 10,000-byte frames fit without a stream WINDOW_UPDATE (sent below 10,000 left).
        var limits = new Http2Limits { ConnectionWindowSize = 65_535, InitialStreamWindowSize = 20_000 };
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(limits);
        (byte[] resetFrame, int refused) = reset switch
        {
            "client RST_STREAM" => (RstStream(1, Http2ErrorCode.Cancel), 0),
            "stream WINDOW_UPDATE overflow" => (WindowUpdate(1, 0x7FFF_FFFF), 0),
            _ => (Data(1, new byte[10_001], endStream: false), 10_001), // one byte beyond the 10,000 left
        };
        int buffered = refused > 0 ? 10_000 : 20_000;
        var frames = new List<byte[]> { Headers(1, endStream: false, GrpcRequest("/test.Echo/Call")) };
        frames.AddRange(Enumerable.Range(0, buffered / 10_000).Select(_ => Data(1, new byte[10_000], endStream: false)));
        frames.Add(resetFrame);
        await harness.Peer.SendAsync([.. frames]);

        // The buffered bytes (20,000, or 10,000 when the second frame is refused) plus any refused frame are freed:
        // more than a quarter of the window, so the credit goes back at once.
        TestFrame update = await harness.Peer.ReadUntilAsync(f => f.Type == FrameType.WindowUpdate && f.StreamId == 0);
        Assert.Equal(buffered + refused, update.WindowIncrement);
    }

    [Fact]
    public async Task OnData_FrameLargerThanStreamWindow_RstFlowControlError()
    {
        var limits = new Http2Limits { InitialStreamWindowSize = 1_000 };
        await using ConnectionHarness harness = await ConnectionHarness.StartHandshakenAsync(limits);
        await harness.Peer.SendAsync(Headers(1, endStream: false, GrpcRequest("/test.Echo/Call")), Data(1, new byte[1_001], endStream: true));

        TestFrame reset = await harness.Peer.ReadSignificantAsync();
        Assert.Equal((FrameType.RstStream, 1, Http2ErrorCode.FlowControlError), (reset.Type, reset.StreamId, reset.ErrorCode));
    }
}
