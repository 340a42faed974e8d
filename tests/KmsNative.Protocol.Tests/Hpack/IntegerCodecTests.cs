using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Tests.Hpack;

public class IntegerCodecTests
{
    public static TheoryData<int, int, byte[]> AppendixC1 => new()
    {
        { 10, 5, [0x0A] },               // C.1.1: 10 fits in a 5-bit prefix
        { 1337, 5, [0x1F,                // C.1.2: prefix all ones (31)
                    0x9A,                //        1306 % 128 = 26, continue
                    0x0A] },             //        1306 / 128 = 10, stop
        { 42, 8, [0x2A] },               // C.1.3: 42 at an octet boundary
    };

    [Theory]
    [MemberData(nameof(AppendixC1))]
    public void TryDecode_AppendixC1_ReturnsValue(int expected, int prefixBits, byte[] encoded)
    {
        int position = 0;
        Assert.True(IntegerCodec.TryDecode(encoded, ref position, prefixBits, out int value));
        Assert.Equal(expected, value);
        Assert.Equal(encoded.Length, position);
    }

    [Theory]
    [MemberData(nameof(AppendixC1))]
    public void TryEncode_AppendixC1_WritesRfcBytes(int value, int prefixBits, byte[] expected)
    {
        Span<byte> buffer = stackalloc byte[8];
        Assert.True(IntegerCodec.TryEncode(value, prefixBits, flags: 0, buffer, out int written));
        Assert.Equal(expected, buffer[..written].ToArray());
    }

    [Fact]
    public void TryDecode_IgnoresFlagBitsAboveThePrefix()
    {
        byte[] encoded = [0xEA]; // 111 | 01010: flags 111, value 10
        int position = 0;
        Assert.True(IntegerCodec.TryDecode(encoded, ref position, 5, out int value));
        Assert.Equal(10, value);
    }

    [Fact]
    public void TryEncode_FlagBits_AreKeptInFirstByte()
    {
        Span<byte> buffer = stackalloc byte[8];
        Assert.True(IntegerCodec.TryEncode(1337, 5, flags: 0xE0, buffer, out int written));
        Assert.Equal(new byte[] { 0xFF, 0x9A, 0x0A }, buffer[..written].ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    [InlineData(31)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_384)]
    [InlineData(int.MaxValue)]
    public void TryEncode_ThenTryDecode_RoundTrips(int value)
    {
        Span<byte> buffer = stackalloc byte[8];
        for (int prefixBits = 1; prefixBits <= 8; prefixBits++)
        {
            Assert.True(IntegerCodec.TryEncode(value, prefixBits, flags: 0, buffer, out int written));
            int position = 0;
            Assert.True(IntegerCodec.TryDecode(buffer[..written], ref position, prefixBits, out int decoded));
            Assert.Equal(value, decoded);
            Assert.Equal(written, position);
        }
    }

    [Theory]
    [InlineData(new byte[] { })]                 // nothing at all
    [InlineData(new byte[] { 0x1F })]            // prefix all ones, no continuation
    [InlineData(new byte[] { 0x1F, 0x9A })]      // continuation bit set on the last byte
    public void TryDecode_Truncated_ReturnsFalseAndKeepsPosition(byte[] encoded)
    {
        int position = 0;
        Assert.False(IntegerCodec.TryDecode(encoded, ref position, 5, out _));
        Assert.Equal(0, position);
    }

    [Theory]
    [InlineData(new byte[] { 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]       // 31 + 2^35 - 1: above int.MaxValue
    [InlineData(new byte[] { 0x1F, 0xE1, 0xFF, 0xFF, 0xFF, 0x07 })]       // 31 + 2^31 - 31 = 2^31: one past int.MaxValue
    [InlineData(new byte[] { 0x1F, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 })] // six continuation groups
    [InlineData(new byte[] { 0x1F, 0x80, 0x00 })]                         // redundant zero group
    public void TryDecode_OverlongOrTooLarge_Throws(byte[] encoded)
    {
        int position = 0;
        Assert.Throws<HpackDecodingException>(() => IntegerCodec.TryDecode(encoded, ref position, 5, out _));
    }

    [Fact]
    public void TryDecode_IntMaxValue_Decodes()
    {
        byte[] encoded = [0x1F, 0xE0, 0xFF, 0xFF, 0xFF, 0x07]; // 31 + (2^31 - 32) = int.MaxValue
        int position = 0;
        Assert.True(IntegerCodec.TryDecode(encoded, ref position, 5, out int value));
        Assert.Equal(int.MaxValue, value);
    }

    [Fact]
    public void TryEncode_DestinationTooSmall_ReturnsFalse()
    {
        Span<byte> buffer = stackalloc byte[2];
        Assert.False(IntegerCodec.TryEncode(1337, 5, flags: 0, buffer, out _));
        Assert.False(IntegerCodec.TryEncode(1, 5, flags: 0, [], out _));
    }
}
