using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

// Each payload reader from byte literals, after FrameReader has cut the frame out of the bytes however they arrived.
public class PayloadReaderTests
{
    public static TheoryData<string> Chunkings => Chunking.Names;

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void ReadHeaders_PaddedWithPriority_ReturnsFragmentAndDependency(string chunking)
    {
        (FrameHeader header, byte[] payload) = ReadOne(chunking,
        [
            0x00, 0x00, 0x0A,  0x01,  0x2C,  0x00, 0x00, 0x00, 0x03,   // len=10 HEADERS END_HEADERS|PADDED|PRIORITY stream=3
            0x02,                                                      // pad length 2
            0x80, 0x00, 0x00, 0x01,  0x0F,                             // exclusive, depends on 1, weight 16
            0x82, 0x86,                                                // fragment
            0x00, 0x00,                                                // padding
        ]);

        Assert.Equal([0x82, 0x86], PayloadReader.ReadHeaders(header, payload, out int dependency).ToArray());
        Assert.Equal(1, dependency); // the E bit is not part of the id
    }

    [Fact]
    public void ReadHeaders_NoFlags_WholePayloadIsTheFragment()
    {
        var header = new FrameHeader(2, FrameType.Headers, FrameFlags.EndHeaders, 1);
        Assert.Equal([0x82, 0x86], PayloadReader.ReadHeaders(header, [0x82, 0x86], out int dependency).ToArray());
        Assert.Equal(0, dependency);
    }

    [Fact]
    public void ReadHeaders_PaddingLongerThanFragment_ProtocolError()
    {
        var header = new FrameHeader(3, FrameType.Headers, FrameFlags.Padded | FrameFlags.EndHeaders, 1);
        AssertConnectionError(Http2ErrorCode.ProtocolError, () => PayloadReader.ReadHeaders(header, [0x03, 0x82, 0x86], out _));
    }

    [Fact]
    public void ReadHeaders_TooShortForPriority_FrameSizeError()
    {
        var header = new FrameHeader(4, FrameType.Headers, FrameFlags.Priority, 1);
        AssertConnectionError(Http2ErrorCode.FrameSizeError, () => PayloadReader.ReadHeaders(header, [0, 0, 0, 0], out _));
    }

    [Fact]
    public void ReadData_Padded_StripsPadLengthAndPadding()
    {
        var header = new FrameHeader(5, FrameType.Data, FrameFlags.Padded, 1);
        Assert.Equal([0xAA, 0xBB], PayloadReader.ReadData(header, [0x02, 0xAA, 0xBB, 0x00, 0x00]).ToArray());
        AssertConnectionError(Http2ErrorCode.ProtocolError, () => PayloadReader.ReadData(header with { Length = 1 }, [0x01]));
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void TryReadSetting_TwoParameters_ReturnsEachThenFalse(string chunking)
    {
        (FrameHeader header, byte[] bytes) = ReadOne(chunking,
        [
            0x00, 0x00, 0x0C,  0x04,  0x00,  0x00, 0x00, 0x00, 0x00,   // len=12 SETTINGS stream=0
            0x00, 0x04,  0x00, 0x00, 0xFF, 0xFF,                       // INITIAL_WINDOW_SIZE=65535
            0x00, 0x05,  0x00, 0x00, 0x40, 0x00,                       // MAX_FRAME_SIZE=16384
        ]);

        Assert.False(PayloadReader.ReadSettings(header));
        ReadOnlySpan<byte> payload = bytes;
        Assert.True(PayloadReader.TryReadSetting(ref payload, out SettingsParameter first, out uint firstValue));
        Assert.Equal((SettingsParameter.InitialWindowSize, 65_535u), (first, firstValue));
        Assert.True(PayloadReader.TryReadSetting(ref payload, out SettingsParameter second, out uint secondValue));
        Assert.Equal((SettingsParameter.MaxFrameSize, 16_384u), (second, secondValue));
        Assert.False(PayloadReader.TryReadSetting(ref payload, out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x02, 0x00, 0x00, 0x00, 0x02 }, 0x1)] // ENABLE_PUSH=2: PROTOCOL_ERROR
    [InlineData(new byte[] { 0x00, 0x04, 0x80, 0x00, 0x00, 0x00 }, 0x3)] // INITIAL_WINDOW_SIZE=2^31: FLOW_CONTROL_ERROR
    [InlineData(new byte[] { 0x00, 0x05, 0x00, 0x00, 0x3F, 0xFF }, 0x1)] // MAX_FRAME_SIZE=16383: PROTOCOL_ERROR
    [InlineData(new byte[] { 0x00, 0x05, 0x01, 0x00, 0x00, 0x00 }, 0x1)] // MAX_FRAME_SIZE=2^24: PROTOCOL_ERROR
    public void TryReadSetting_ValueOutOfRange_ConnectionError(byte[] setting, int expected) =>
        AssertConnectionError((Http2ErrorCode)expected, () =>
        {
            ReadOnlySpan<byte> payload = setting;
            PayloadReader.TryReadSetting(ref payload, out _, out _);
        });

    [Fact]
    public void TryReadSetting_UnknownParameter_ReturnedForTheCallerToIgnore()
    {
        ReadOnlySpan<byte> payload = [0x00, 0xFF, 0x12, 0x34, 0x56, 0x78];
        Assert.True(PayloadReader.TryReadSetting(ref payload, out SettingsParameter parameter, out uint value));
        Assert.Equal(((SettingsParameter)0xFF, 0x1234_5678u), (parameter, value));
    }

    [Fact]
    public void ReadSettings_BadFrames_ConnectionErrors()
    {
        Assert.True(PayloadReader.ReadSettings(new FrameHeader(0, FrameType.Settings, FrameFlags.Ack, 0)));
        AssertConnectionError(Http2ErrorCode.FrameSizeError, () => PayloadReader.ReadSettings(new FrameHeader(6, FrameType.Settings, FrameFlags.Ack, 0)));
        AssertConnectionError(Http2ErrorCode.FrameSizeError, () => PayloadReader.ReadSettings(new FrameHeader(5, FrameType.Settings, FrameFlags.None, 0)));
        AssertConnectionError(Http2ErrorCode.ProtocolError, () => PayloadReader.ReadSettings(new FrameHeader(0, FrameType.Settings, FrameFlags.None, 1)));
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void ReadWindowUpdate_ReservedBitSet_IgnoresIt(string chunking)
    {
        (FrameHeader header, byte[] payload) = ReadOne(chunking,
        [
            0x00, 0x00, 0x04,  0x08,  0x00,  0x00, 0x00, 0x00, 0x01,   // len=4 WINDOW_UPDATE stream=1
            0x80, 0x00, 0x01, 0x00,                                    // R=1, increment 256
        ]);

        Assert.Equal(256, PayloadReader.ReadWindowUpdate(header, payload));
    }

    [Fact]
    public void ReadWindowUpdate_ZeroIncrement_ConnectionErrorOnStreamZeroOnlyElseReturned()
    {
        AssertConnectionError(Http2ErrorCode.ProtocolError, () => PayloadReader.ReadWindowUpdate(new FrameHeader(4, FrameType.WindowUpdate, 0, 0), [0, 0, 0, 0]));
        Assert.Equal(0, PayloadReader.ReadWindowUpdate(new FrameHeader(4, FrameType.WindowUpdate, 0, 3), [0, 0, 0, 0]));
        AssertConnectionError(Http2ErrorCode.FrameSizeError, () => PayloadReader.ReadWindowUpdate(new FrameHeader(3, FrameType.WindowUpdate, 0, 3), [0, 0, 1]));
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void ReadRstStream_Cancel_ReturnsTheCode(string chunking)
    {
        (FrameHeader header, byte[] payload) = ReadOne(chunking,
        [
            0x00, 0x00, 0x04,  0x03,  0x00,  0x00, 0x00, 0x00, 0x05,   // len=4 RST_STREAM stream=5
            0x00, 0x00, 0x00, 0x08,                                    // CANCEL
        ]);

        Assert.Equal(Http2ErrorCode.Cancel, PayloadReader.ReadRstStream(header, payload));
        AssertConnectionError(Http2ErrorCode.ProtocolError, () => PayloadReader.ReadRstStream(header with { StreamId = 0 }, payload));
        AssertConnectionError(Http2ErrorCode.FrameSizeError, () => PayloadReader.ReadRstStream(header with { Length = 3 }, payload.AsSpan(0, 3)));
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void ReadGoAway_WithDebugData_ReturnsLastStreamAndCode(string chunking)
    {
        (FrameHeader header, byte[] payload) = ReadOne(chunking,
        [
            0x00, 0x00, 0x0A,  0x07,  0x00,  0x00, 0x00, 0x00, 0x00,   // len=10 GOAWAY stream=0
            0x80, 0x00, 0x00, 0x07,                                    // R=1, last stream 7
            0x00, 0x00, 0x00, 0x0B,                                    // ENHANCE_YOUR_CALM
            0x68, 0x69,                                                // debug data "hi"
        ]);

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, PayloadReader.ReadGoAway(header, payload, out int lastStreamId));
        Assert.Equal(7, lastStreamId);
        AssertConnectionError(Http2ErrorCode.FrameSizeError, () => PayloadReader.ReadGoAway(header with { Length = 7 }, payload.AsSpan(0, 7), out _));
        AssertConnectionError(Http2ErrorCode.ProtocolError, () => PayloadReader.ReadGoAway(header with { StreamId = 1 }, payload, out _));
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void ReadPriority_DependsOnItself_StreamErrorProtocolError(string chunking)
    {
        (FrameHeader header, byte[] payload) = ReadOne(chunking,
        [
            0x00, 0x00, 0x05,  0x02,  0x00,  0x00, 0x00, 0x00, 0x03,   // len=5 PRIORITY stream=3
            0x00, 0x00, 0x00, 0x03,  0x10,                             // depends on 3 (itself), weight 17
        ]);

        Assert.Equal(Http2ErrorCode.ProtocolError, PayloadReader.ReadPriority(header, payload));
        Assert.Equal(Http2ErrorCode.NoError, PayloadReader.ReadPriority(header with { StreamId = 5 }, payload));
        Assert.Equal(Http2ErrorCode.FrameSizeError, PayloadReader.ReadPriority(header with { Length = 4 }, payload.AsSpan(0, 4)));
        AssertConnectionError(Http2ErrorCode.ProtocolError, () => PayloadReader.ReadPriority(header with { StreamId = 0 }, payload));
    }

    [Fact]
    public void ReadPing_WrongLengthOrStream_ConnectionErrors()
    {
        PayloadReader.ReadPing(new FrameHeader(8, FrameType.Ping, FrameFlags.None, 0));
        AssertConnectionError(Http2ErrorCode.FrameSizeError, () => PayloadReader.ReadPing(new FrameHeader(7, FrameType.Ping, FrameFlags.None, 0)));
        AssertConnectionError(Http2ErrorCode.ProtocolError, () => PayloadReader.ReadPing(new FrameHeader(8, FrameType.Ping, FrameFlags.None, 1)));
    }

    private static (FrameHeader Header, byte[] Payload) ReadOne(string chunking, byte[] wire)
    {
        List<(FrameHeader, byte[])> frames = FrameReaderTests.ReadAll(Chunking.Split(chunking, wire), out int leftOver);
        Assert.Equal(0, leftOver);
        return Assert.Single(frames);
    }

    private static void AssertConnectionError(Http2ErrorCode expected, Action read) =>
        Assert.Equal(expected, Assert.Throws<Http2ConnectionException>(read).ErrorCode);
}
