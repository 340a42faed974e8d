using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

public class FrameReaderTests
{
    private static readonly byte[] s_settingsThenPing =
    [
        0x00, 0x00, 0x06,  0x04,  0x00,  0x00, 0x00, 0x00, 0x00,   // len=6 SETTINGS flags=0 stream=0
        0x00, 0x03,  0x00, 0x00, 0x00, 0x64,                       // MAX_CONCURRENT_STREAMS=100
        0x00, 0x00, 0x08,  0x06,  0x01,  0x00, 0x00, 0x00, 0x00,   // len=8 PING ACK stream=0
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,            // opaque data
        0x00, 0x00, 0x00,  0x00,  0x01,  0x00, 0x00, 0x00, 0x01,   // len=0 DATA END_STREAM stream=1
    ];

    public static TheoryData<string> Chunkings => Chunking.Names;

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void TryRead_ThreeFramesInAnyChunking_ReturnsEachOnceWhole(string chunking)
    {
        List<(FrameHeader Header, byte[] Payload)> frames = ReadAll(Chunking.Split(chunking, s_settingsThenPing), out int leftOver);

        Assert.Equal(0, leftOver);
        Assert.Equal(3, frames.Count);
        Assert.Equal(new FrameHeader(6, FrameType.Settings, FrameFlags.None, 0), frames[0].Header);
        Assert.Equal([0x00, 0x03, 0x00, 0x00, 0x00, 0x64], frames[0].Payload);
        Assert.Equal(new FrameHeader(8, FrameType.Ping, FrameFlags.Ack, 0), frames[1].Header);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], frames[1].Payload);
        Assert.Equal(new FrameHeader(0, FrameType.Data, FrameFlags.EndStream, 1), frames[2].Header);
        Assert.Empty(frames[2].Payload);
    }

    [Fact]
    public void TryRead_PartialHeader_ReturnsFalseAndConsumesNothing()
    {
        ReadOnlySpan<byte> buffer = s_settingsThenPing.AsSpan(0, 8);
        Assert.False(FrameReader.TryRead(ref buffer, 16_384, out _, out _));
        Assert.Equal(8, buffer.Length);
    }

    [Fact]
    public void TryRead_HeaderWithoutWholePayload_ReturnsFalseAndConsumesNothing()
    {
        ReadOnlySpan<byte> buffer = s_settingsThenPing.AsSpan(0, 14);
        Assert.False(FrameReader.TryRead(ref buffer, 16_384, out _, out _));
        Assert.Equal(14, buffer.Length);
    }

    [Fact]
    public void TryRead_LengthAboveMaxFrameSize_ThrowsFrameSizeErrorBeforePayloadArrives()
    {
        byte[] wire = [0x00, 0x40, 0x01,  0x00,  0x00,  0x00, 0x00, 0x00, 0x01]; // len=16,385 DATA stream=1, no payload yet
        var error = Assert.Throws<Http2ConnectionException>(() =>
        {
            ReadOnlySpan<byte> buffer = wire;
            FrameReader.TryRead(ref buffer, 16_384, out _, out _);
        });
        Assert.Equal(Http2ErrorCode.FrameSizeError, error.ErrorCode);
    }

    [Fact]
    public void TryRead_LengthEqualToMaxFrameSize_ReturnsFrame()
    {
        byte[] wire = new byte[FrameHeader.Size + 16_384];
        new FrameHeader(16_384, FrameType.Data, FrameFlags.None, 1).Write(wire);
        ReadOnlySpan<byte> buffer = wire;
        Assert.True(FrameReader.TryRead(ref buffer, 16_384, out FrameHeader header, out ReadOnlySpan<byte> payload));
        Assert.Equal(16_384, header.Length);
        Assert.Equal(16_384, payload.Length);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_UnknownFrameType_ReturnsItForTheCallerToIgnore()
    {
        byte[] wire = [0x00, 0x00, 0x02,  0xFA,  0x00,  0x00, 0x00, 0x00, 0x00,  0xAB, 0xCD]; // len=2 type 0xFA stream=0
        ReadOnlySpan<byte> buffer = wire;
        Assert.True(FrameReader.TryRead(ref buffer, 16_384, out FrameHeader header, out ReadOnlySpan<byte> payload));
        Assert.Equal((FrameType)0xFA, header.Type);
        Assert.Equal([0xAB, 0xCD], payload.ToArray());
    }

    /// <summary>Feeds the chunks the way the connection's read loop does: append, read every whole frame, keep the rest.</summary>
    internal static List<(FrameHeader, byte[])> ReadAll(IEnumerable<ReadOnlyMemory<byte>> chunks, out int leftOver)
    {
        var frames = new List<(FrameHeader, byte[])>();
        byte[] buffered = new byte[256];
        int length = 0;
        foreach (ReadOnlyMemory<byte> chunk in chunks)
        {
            chunk.Span.CopyTo(buffered.AsSpan(length));
            length += chunk.Length;
            ReadOnlySpan<byte> buffer = buffered.AsSpan(0, length);
            while (FrameReader.TryRead(ref buffer, 16_384, out FrameHeader header, out ReadOnlySpan<byte> payload))
            {
                frames.Add((header, payload.ToArray()));
            }

            int consumed = length - buffer.Length;
            buffered.AsSpan(consumed, buffer.Length).CopyTo(buffered);
            length = buffer.Length;
        }

        leftOver = length;
        return frames;
    }
}
