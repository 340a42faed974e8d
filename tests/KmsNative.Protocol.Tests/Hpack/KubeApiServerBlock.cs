using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Tests.Hpack;

/// <summary>
/// The first request header block a kube-apiserver (grpc-go) sends for KMS v2 Encrypt: every field not matched
/// whole in the static table is a literal with incremental indexing (RFC 7541 §6.2.1).
/// </summary>
internal static class KubeApiServerBlock
{
    public static readonly (string Name, string Value)[] Fields =
    [
        (":method", "POST"), (":scheme", "http"), (":path", "/v2.KeyManagementService/Encrypt"),
        (":authority", "localhost"), ("content-type", "application/grpc"), ("user-agent", "grpc-go/1.33.0"),
        ("te", "trailers"), ("grpc-timeout", "2995457u"),
    ];

    public static readonly byte[] Raw =
    [
        0x83,                                                   // indexed 3: :method POST
        0x86,                                                   // indexed 6: :scheme http
        0x44, 0x20, .. "/v2.KeyManagementService/Encrypt"u8,    // with indexing, name 4 (:path), raw 32
        0x41, 0x09, .. "localhost"u8,                           // with indexing, name 1 (:authority), raw 9
        0x5F, 0x10, .. "application/grpc"u8,                    // with indexing, name 31 (content-type), raw 16
        0x7A, 0x0E, .. "grpc-go/1.33.0"u8,                      // with indexing, name 58 (user-agent), raw 14
        0x40, 0x02, .. "te"u8, 0x08, .. "trailers"u8,           // with indexing, new name, raw 2 / raw 8
        0x40, 0x0C, .. "grpc-timeout"u8, 0x08, .. "2995457u"u8, // with indexing, new name, raw 12 / raw 8
    ];

    /// <summary>The same fields with every string literal Huffman-coded, as grpc-go does when that is shorter.</summary>
    public static readonly byte[] Huffman =
    [
        0x83, 0x86,                                             // :method POST, :scheme http
        0x44, .. HuffmanString("/v2.KeyManagementService/Encrypt"u8), // with indexing, name 4 (:path)
        0x41, .. HuffmanString("localhost"u8),                  // with indexing, name 1 (:authority)
        0x5F, .. HuffmanString("application/grpc"u8),           // with indexing, name 31 (content-type)
        0x7A, .. HuffmanString("grpc-go/1.33.0"u8),             // with indexing, name 58 (user-agent)
        0x40, .. HuffmanString("te"u8), .. HuffmanString("trailers"u8),
        0x40, .. HuffmanString("grpc-timeout"u8), .. HuffmanString("2995457u"u8),
    ];

    // RFC 7541 §5.2: H = 1, 7-bit-prefix length, then the code.
    public static byte[] HuffmanString(ReadOnlySpan<byte> text)
    {
        var encoded = new byte[KmsNative.Protocol.Hpack.Huffman.GetEncodedLength(text)];
        Assert.True(KmsNative.Protocol.Hpack.Huffman.TryEncode(text, encoded, out _));
        var result = new byte[encoded.Length + 5];
        Assert.True(IntegerCodec.TryEncode(encoded.Length, 7, 0x80, result, out int prefixLength));
        encoded.CopyTo(result, prefixLength);
        return result[..(prefixLength + encoded.Length)];
    }
}
