using System.Text;
using KmsNative.Protocol.Hpack;
using static KmsNative.Protocol.Tests.Hpack.HpackAssert;

namespace KmsNative.Protocol.Tests.Hpack;

public class HuffmanTests
{
    // Every Huffman-coded string in RFC 7541 Appendix C.4 and C.6.
    public static TheoryData<string, string> AppendixCStrings => new()
    {
        { "www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff" },                                    // C.4.1
        { "no-cache", "a8eb 1064 9cbf" },                                                           // C.4.2
        { "custom-key", "25a8 49e9 5ba9 7d7f" },                                                    // C.4.3
        { "custom-value", "25a8 49e9 5bb8 e8b4 bf" },                                               // C.4.3
        { "302", "6402" },                                                                          // C.6.1
        { "private", "aec3 771a 4b" },                                                              // C.6.1
        { "Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff" }, // C.6.1
        { "https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3" },                // C.6.1
        { "307", "640e ff" },                                                                       // C.6.2
        { "Mon, 21 Oct 2013 20:13:22 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff" }, // C.6.3
        { "gzip", "9bd9 ab" },                                                                      // C.6.3
        { "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",                               // C.6.3
          "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07" },
    };

    [Theory]
    [MemberData(nameof(AppendixCStrings))]
    public void Decode_AppendixCString_ReturnsText(string text, string hex)
    {
        byte[] encoded = Hex(hex);
        var destination = new byte[Huffman.GetMaxDecodedLength(encoded.Length)];
        int written = Huffman.Decode(encoded, destination);
        Assert.Equal(text, Encoding.ASCII.GetString(destination, 0, written));
        Assert.Equal(written, Huffman.GetDecodedLength(encoded));
    }

    [Theory]
    [MemberData(nameof(AppendixCStrings))]
    public void TryEncode_AppendixCString_WritesRfcBytes(string text, string hex)
    {
        byte[] source = Encoding.ASCII.GetBytes(text);
        var destination = new byte[64];
        Assert.True(Huffman.TryEncode(source, destination, out int written));
        Assert.Equal(Hex(hex), destination[..written]);
        Assert.Equal(written, Huffman.GetEncodedLength(source));
    }

    [Fact]
    public void TryEncode_ThenDecode_RandomBytes_RoundTrip()
    {
        var random = new Random(7541);
        for (int i = 0; i < 2000; i++)
        {
            var source = new byte[random.Next(0, 300)];
            random.NextBytes(source);

            int encodedLength = Huffman.GetEncodedLength(source);
            var encoded = new byte[encodedLength];
            Assert.True(Huffman.TryEncode(source, encoded, out int written));
            Assert.Equal(encodedLength, written);

            var decoded = new byte[Math.Max(source.Length, 1)];
            int decodedLength = Huffman.Decode(encoded, decoded);
            Assert.Equal(source, decoded[..decodedLength]);
            Assert.Equal(source.Length, Huffman.GetDecodedLength(encoded));
        }
    }

    [Fact]
    public void TryEncode_EverySymbol_RoundTrips()
    {
        byte[] source = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var encoded = new byte[Huffman.GetEncodedLength(source)];
        Assert.True(Huffman.TryEncode(source, encoded, out _));
        var decoded = new byte[256];
        Assert.Equal(256, Huffman.Decode(encoded, decoded));
        Assert.Equal(source, decoded);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 8)]
    [InlineData(int.MaxValue, 0x7FFFFFC7)] // clamped to Array.MaxLength instead of overflowing
    public void GetMaxDecodedLength_ReturnsEightFifthsClamped(int encodedLength, int expected)
    {
        Assert.Equal(expected, Huffman.GetMaxDecodedLength(encodedLength));
    }

    [Fact]
    public void Decode_Empty_ReturnsZero()
    {
        Assert.Equal(0, Huffman.Decode([], []));
    }

    [Theory]
    [InlineData(new byte[] { 0x1F }, "a")]            // 'a' = 00011, padding 111
    [InlineData(new byte[] { 0x1F, 0xF9 }, "a?")]     // 'a' 00011, '?' 1111111100, padding 1
    public void Decode_ValidPadding_Decodes(byte[] encoded, string expected)
    {
        var destination = new byte[8];
        int written = Huffman.Decode(encoded, destination);
        Assert.Equal(expected, Encoding.ASCII.GetString(destination, 0, written));
    }

    [Theory]
    [InlineData(new byte[] { 0x18 })]                    // 'a' then padding 000: not a prefix of EOS
    [InlineData(new byte[] { 0x1E })]                    // 'a' then padding 110
    [InlineData(new byte[] { 0x1F, 0xFF })]              // 'a' then 11 bits of padding: longer than 7 bits
    [InlineData(new byte[] { 0xFF })]                    // 8 bits of padding and nothing else
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })]  // EOS (30 ones) inside the string, then 2 bits
    [InlineData(new byte[] { 0x1F, 0xFF, 0xFF, 0xFF, 0xFC })] // 'a' 00011, then 30 ones (EOS), then 00
    public void Decode_Malformed_Throws(byte[] encoded)
    {
        var destination = new byte[16];
        Assert.Throws<HpackDecodingException>(() => Huffman.Decode(encoded, destination));
        Assert.Throws<HpackDecodingException>(() => Huffman.GetDecodedLength(encoded));
    }

    [Fact]
    public void Decode_DestinationTooSmall_ThrowsArgumentException()
    {
        byte[] encoded = Hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff"); // "www.example.com"
        Assert.Throws<ArgumentException>(() => Huffman.Decode(encoded, new byte[3]));
    }

    [Fact]
    public void TryEncode_DestinationTooSmall_ReturnsFalse()
    {
        Assert.False(Huffman.TryEncode("www.example.com"u8, new byte[11], out _));
        Assert.False(Huffman.TryEncode("a"u8, [], out _));
    }
}
