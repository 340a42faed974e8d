using KmsNative.Protocol.Hpack;

namespace KmsNative.Benchmarks.Hpack;

/// <summary>
/// The request header block a kube-apiserver (grpc-go 1.33) sends for KMS v2 Encrypt, in the field order observed
/// on the wire. The first request of a connection carries each field as a literal with incremental indexing
/// (RFC 7541 §6.2.1); every later request refers to those entries with one-byte indexed fields (§6.1).
/// </summary>
internal static class KubeApiServerHeaderBlock
{
    private static readonly (int NameIndex, string Name, string Value)[] s_literals =
    [
        (4, ":path", "/v2.KeyManagementService/Encrypt"),
        (1, ":authority", "localhost"),
        (31, "content-type", "application/grpc"),
        (58, "user-agent", "grpc-go/1.33.0"),
        (0, "te", "trailers"),
        (0, "grpc-timeout", "2995457u"),
    ];

    /// <summary>The first block, strings raw (H = 0).</summary>
    public static byte[] First { get; } = Build(huffman: false);

    /// <summary>The first block, strings Huffman-coded, as grpc-go writes them when that is shorter.</summary>
    public static byte[] FirstHuffman { get; } = Build(huffman: true);

    /// <summary>
    /// A later request once the six literals are in the table: :method POST (static 3), :scheme http (static 6),
    /// then dynamic 67..62, newest first (RFC 7541 §2.3.3), so grpc-timeout is 62 and :path is 67.
    /// </summary>
    public static byte[] Indexed { get; } = [0x83, 0x86, 0xC3, 0xC2, 0xC1, 0xC0, 0xBF, 0xBE];

    private static byte[] Build(bool huffman)
    {
        var block = new List<byte> { 0x83, 0x86 }; // :method POST, :scheme http
        Span<byte> prefix = stackalloc byte[8];
        foreach ((int nameIndex, string name, string value) in s_literals)
        {
            IntegerCodec.TryEncode(nameIndex, prefixBits: 6, flags: 0x40, prefix, out int written);
            block.AddRange(prefix[..written]);
            if (nameIndex == 0)
            {
                AppendString(block, System.Text.Encoding.ASCII.GetBytes(name), huffman);
            }

            AppendString(block, System.Text.Encoding.ASCII.GetBytes(value), huffman);
        }

        return [.. block];
    }

    // RFC 7541 §5.2: H bit, 7-bit-prefix length, then the octets.
    private static void AppendString(List<byte> block, byte[] text, bool huffman)
    {
        byte[] octets = text;
        if (huffman)
        {
            octets = new byte[Huffman.GetEncodedLength(text)];
            Huffman.TryEncode(text, octets, out _);
        }

        Span<byte> length = stackalloc byte[8];
        IntegerCodec.TryEncode(octets.Length, prefixBits: 7, flags: huffman ? (byte)0x80 : (byte)0x00, length, out int written);
        block.AddRange(length[..written]);
        block.AddRange(octets);
    }
}
