using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

public class FrameWriterTests
{
    [Fact]
    public void WriteSettings_TwoParameters_WritesSixBytesEach()
    {
        using var writer = new FrameWriter();
        writer.WriteSettings([(SettingsParameter.MaxConcurrentStreams, 100u), (SettingsParameter.InitialWindowSize, 0x0010_0000u)]);
        Assert.Equal([0x00, 0x00, 0x0C,  0x04,  0x00,  0x00, 0x00, 0x00, 0x00,   // len=12 SETTINGS flags=0 stream=0
                      0x00, 0x03,  0x00, 0x00, 0x00, 0x64,                       // MAX_CONCURRENT_STREAMS=100
                      0x00, 0x04,  0x00, 0x10, 0x00, 0x00],                      // INITIAL_WINDOW_SIZE=1 MiB
                     writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void WriteSettingsAck_WritesEmptyAckFrame()
    {
        using var writer = new FrameWriter();
        writer.WriteSettingsAck();
        Assert.Equal([0x00, 0x00, 0x00,  0x04,  0x01,  0x00, 0x00, 0x00, 0x00], // len=0 SETTINGS ACK stream=0
                     writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void WritePing_Ack_CopiesOpaqueData()
    {
        using var writer = new FrameWriter();
        writer.WritePing(FrameFlags.Ack, [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Equal([0x00, 0x00, 0x08,  0x06,  0x01,  0x00, 0x00, 0x00, 0x00,  // len=8 PING ACK stream=0
                      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08],          // opaque data
                     writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void WriteWindowUpdate_StreamIncrement_WritesBigEndian()
    {
        using var writer = new FrameWriter();
        writer.WriteWindowUpdate(3, 0x7FFF_FFFF);
        Assert.Equal([0x00, 0x00, 0x04,  0x08,  0x00,  0x00, 0x00, 0x00, 0x03,  // len=4 WINDOW_UPDATE stream=3
                      0x7F, 0xFF, 0xFF, 0xFF],                                  // increment 2^31-1
                     writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void WriteRstStream_RefusedStream_WritesErrorCode()
    {
        using var writer = new FrameWriter();
        writer.WriteRstStream(7, Http2ErrorCode.RefusedStream);
        Assert.Equal([0x00, 0x00, 0x04,  0x03,  0x00,  0x00, 0x00, 0x00, 0x07,  // len=4 RST_STREAM stream=7
                      0x00, 0x00, 0x00, 0x07],                                  // REFUSED_STREAM
                     writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void WriteGoAway_WithDebugData_WritesLastStreamCodeAndData()
    {
        using var writer = new FrameWriter();
        writer.WriteGoAway(5, Http2ErrorCode.EnhanceYourCalm, "hi"u8);
        Assert.Equal([0x00, 0x00, 0x0A,  0x07,  0x00,  0x00, 0x00, 0x00, 0x00,  // len=10 GOAWAY stream=0
                      0x00, 0x00, 0x00, 0x05,                                   // last stream 5
                      0x00, 0x00, 0x00, 0x0B,                                   // ENHANCE_YOUR_CALM
                      0x68, 0x69],                                              // "hi"
                     writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void WriteData_EndStream_WritesFlagAndPayload()
    {
        using var writer = new FrameWriter();
        writer.WriteData(1, [0xAA, 0xBB], endStream: true);
        writer.WriteData(1, [], endStream: false);
        Assert.Equal([0x00, 0x00, 0x02,  0x00,  0x01,  0x00, 0x00, 0x00, 0x01,  // len=2 DATA END_STREAM stream=1
                      0xAA, 0xBB,
                      0x00, 0x00, 0x00,  0x00,  0x00,  0x00, 0x00, 0x00, 0x01], // len=0 DATA stream=1
                     writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void WriteHeaders_BlockFitsOneFrame_SetsEndHeadersAndEndStream()
    {
        using var writer = new FrameWriter();
        writer.WriteHeaders(1, [0x88], endStream: true, maxFrameSize: 16_384);
        Assert.Equal([0x00, 0x00, 0x01,  0x01,  0x05,  0x00, 0x00, 0x00, 0x01,  // len=1 HEADERS END_STREAM|END_HEADERS stream=1
                      0x88],                                                    // :status 200
                     writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void WriteHeaders_BlockLargerThanMaxFrameSize_SplitsIntoContinuation()
    {
        byte[] block = new byte[16_384 * 2 + 3];
        new Random(1).NextBytes(block);
        using var writer = new FrameWriter(initialSize: 64);
        writer.WriteHeaders(9, block, endStream: true, maxFrameSize: 16_384);

        ReadOnlySpan<byte> wire = writer.WrittenMemory.Span;
        Assert.True(FrameReader.TryRead(ref wire, 16_384, out FrameHeader first, out ReadOnlySpan<byte> firstPayload));
        Assert.Equal(new FrameHeader(16_384, FrameType.Headers, FrameFlags.EndStream, 9), first); // END_STREAM only on HEADERS
        Assert.True(FrameReader.TryRead(ref wire, 16_384, out FrameHeader second, out ReadOnlySpan<byte> secondPayload));
        Assert.Equal(new FrameHeader(16_384, FrameType.Continuation, FrameFlags.None, 9), second);
        Assert.True(FrameReader.TryRead(ref wire, 16_384, out FrameHeader third, out ReadOnlySpan<byte> thirdPayload));
        Assert.Equal(new FrameHeader(3, FrameType.Continuation, FrameFlags.EndHeaders, 9), third);
        Assert.True(wire.IsEmpty);
        Assert.Equal(block, (byte[])[.. firstPayload, .. secondPayload, .. thirdPayload]);
    }

    [Fact]
    public void WriteHeaders_BlockExactlyMaxFrameSize_NoContinuation()
    {
        byte[] block = new byte[16_384];
        using var writer = new FrameWriter();
        writer.WriteHeaders(1, block, endStream: false, maxFrameSize: 16_384);
        Assert.Equal(FrameHeader.Size + 16_384, writer.Length);
        Assert.Equal(new FrameHeader(16_384, FrameType.Headers, FrameFlags.EndHeaders, 1), FrameHeader.Read(writer.WrittenMemory.Span));
    }

    [Fact]
    public void Reset_AfterWrite_ZeroesAndForgetsBytes()
    {
        using var writer = new FrameWriter();
        writer.WriteData(1, [0xDE, 0xAD], endStream: false);
        writer.Reset();
        Assert.Equal(0, writer.Length);
        writer.WriteSettingsAck();
        Assert.Equal(FrameHeader.Size, writer.Length);
    }
}
