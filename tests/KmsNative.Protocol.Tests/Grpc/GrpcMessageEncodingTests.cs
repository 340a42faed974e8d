using System.Text;
using KmsNative.Protocol.Grpc;

namespace KmsNative.Protocol.Tests.Grpc;

public class GrpcMessageEncodingTests
{
    [Fact]
    public void Encode_PrintableAscii_ReturnsBytesUnchanged()
    {
        Assert.Equal("key id 'k1' does not match"u8.ToArray(), GrpcMessageEncoding.Encode("key id 'k1' does not match"));
    }

    [Fact]
    public void Encode_PercentSign_IsEscaped()
    {
        Assert.Equal("100%25 done"u8.ToArray(), GrpcMessageEncoding.Encode("100% done"));
    }

    [Fact]
    public void Encode_ControlCharactersAndUtf8_EscapesEveryByte()
    {
        // "\n" is 0x0A; "é" is UTF-8 C3 A9; "€" is E2 82 AC; 0x7F (DEL) is outside 0x20-0x7E.
        Assert.Equal("a%0Ab%C3%A9%E2%82%AC%7F"u8.ToArray(), GrpcMessageEncoding.Encode("a\nbé€\u007F"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("%")]
    [InlineData("%%41")]
    [InlineData("100% sure, 50%off")]
    [InlineData("tab\there\r\nnewline")]
    [InlineData("ünïcödé ✓ 鍵 🔑")]
    public void Decode_OfEncode_RoundTrips(string message)
    {
        byte[] encoded = GrpcMessageEncoding.Encode(message);
        Assert.All(encoded, b => Assert.InRange(b, (byte)0x20, (byte)0x7E));
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("%", "%")]          // cut-off escapes are kept as they are
    [InlineData("%4", "%4")]
    [InlineData("%zz", "%zz")]
    [InlineData("%41%4", "A%4")]
    [InlineData("%e2%82%ac", "€")]  // lowercase hex is accepted
    public void Decode_MalformedOrLowercaseEscapes_KeepsOrDecodes(string encoded, string expected)
    {
        Assert.Equal(expected, GrpcMessageEncoding.Decode(Encoding.ASCII.GetBytes(encoded)));
    }
}
