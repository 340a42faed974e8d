using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

public class FrameHeaderTests
{
    [Fact]
    public void Read_HeadersFrame_ReturnsEveryField()
    {
        byte[] wire = [0x00, 0x40, 0x01,          // length 16,385
                       0x01,                      // HEADERS
                       0x25,                      // END_STREAM | END_HEADERS | PRIORITY
                       0x00, 0x00, 0x01, 0x03];   // stream 259
        Assert.Equal(new FrameHeader(16_385, FrameType.Headers, FrameFlags.EndStream | FrameFlags.EndHeaders | FrameFlags.Priority, 259),
                     FrameHeader.Read(wire));
    }

    [Fact]
    public void Read_ReservedBitSet_IgnoresIt()
    {
        byte[] wire = [0x00, 0x00, 0x00,          // length 0
                       0x00,                      // DATA
                       0x00,                      // no flags
                       0x80, 0x00, 0x00, 0x05];   // R = 1, stream 5
        Assert.Equal(5, FrameHeader.Read(wire).StreamId);
    }

    [Fact]
    public void Read_MaximumLengthAndStreamId_ReturnsThem()
    {
        byte[] wire = [0xFF, 0xFF, 0xFF,          // length 2^24-1
                       0xFE,                      // unknown type 0xFE
                       0xFF,                      // every flag bit
                       0x7F, 0xFF, 0xFF, 0xFF];   // stream 2^31-1
        FrameHeader header = FrameHeader.Read(wire);
        Assert.Equal(0xFF_FFFF, header.Length);
        Assert.Equal((FrameType)0xFE, header.Type);
        Assert.Equal((FrameFlags)0xFF, header.Flags);
        Assert.Equal(int.MaxValue, header.StreamId);
    }

    [Fact]
    public void Write_GoAwayHeader_ProducesBigEndianFields()
    {
        byte[] written = new byte[FrameHeader.Size];
        new FrameHeader(0x01_0203, FrameType.GoAway, FrameFlags.None, 0x0405_0607).Write(written);
        Assert.Equal([0x01, 0x02, 0x03,           // length
                      0x07,                       // GOAWAY
                      0x00,                       // no flags
                      0x04, 0x05, 0x06, 0x07],    // stream
                     written);
    }

    [Fact]
    public void HasFlag_AckOnSettings_SameBitAsEndStream()
    {
        var header = new FrameHeader(0, FrameType.Settings, FrameFlags.Ack, 0);
        Assert.True(header.HasFlag(FrameFlags.Ack));
        Assert.False(header.HasFlag(FrameFlags.EndHeaders));
    }
}
