using KmsNative.Protocol.Hpack;
using static KmsNative.Protocol.Tests.Hpack.HpackAssert;

namespace KmsNative.Protocol.Tests.Hpack;

/// <summary>RFC 7541 Appendix C.2 to C.6, decoded byte for byte, with the dynamic table checked after each block.</summary>
public class HpackDecoderAppendixCTests
{
    [Fact]
    public void Decode_C21_LiteralWithIndexing_AddsToTable()
    {
        byte[] block =
        [
            0x40,                      // literal with incremental indexing, new name
            0x0A, .. "custom-key"u8,   // name: raw, 10
            0x0D, .. "custom-header"u8, // value: raw, 13
        ];
        var decoder = new HpackDecoder();
        Assert.Equal([("custom-key", "custom-header")], Decode(decoder, block));
        Table(decoder.DynamicTable, 55, ("custom-key", "custom-header"));
    }

    [Fact]
    public void Decode_C22_LiteralWithoutIndexing_LeavesTableEmpty()
    {
        byte[] block =
        [
            0x04,                      // literal without indexing, name index 4 (:path)
            0x0C, .. "/sample/path"u8, // value: raw, 12
        ];
        var decoder = new HpackDecoder();
        Assert.Equal([(":path", "/sample/path")], Decode(decoder, block));
        Table(decoder.DynamicTable, 0);
    }

    [Fact]
    public void Decode_C23_LiteralNeverIndexed_LeavesTableEmpty()
    {
        byte[] block =
        [
            0x10,                      // literal never indexed, new name
            0x08, .. "password"u8,     // name: raw, 8
            0x06, .. "secret"u8,       // value: raw, 6
        ];
        var decoder = new HpackDecoder();
        Assert.Equal([("password", "secret")], Decode(decoder, block));
        Table(decoder.DynamicTable, 0);
    }

    [Fact]
    public void Decode_C24_Indexed_ReturnsStaticEntry()
    {
        byte[] block = [0x82]; // indexed 2 (:method GET)
        var decoder = new HpackDecoder();
        Assert.Equal([(":method", "GET")], Decode(decoder, block));
        Table(decoder.DynamicTable, 0);
    }

    [Fact]
    public void Decode_C3_RequestsWithoutHuffman_TrackTable()
    {
        var decoder = new HpackDecoder();

        byte[] first =
        [
            0x82,                          // indexed 2: :method GET
            0x86,                          // indexed 6: :scheme http
            0x84,                          // indexed 4: :path /
            0x41, 0x0F, .. "www.example.com"u8, // literal with indexing, name 1 (:authority), raw 15
        ];
        Assert.Equal(C3Request1, Decode(decoder, first));
        Table(decoder.DynamicTable, 57, (":authority", "www.example.com"));

        byte[] second =
        [
            0x82, 0x86, 0x84,              // :method GET, :scheme http, :path /
            0xBE,                          // indexed 62: dynamic 1 (:authority www.example.com)
            0x58, 0x08, .. "no-cache"u8,   // literal with indexing, name 24 (cache-control), raw 8
        ];
        Assert.Equal(C3Request2, Decode(decoder, second));
        Table(decoder.DynamicTable, 110, ("cache-control", "no-cache"), (":authority", "www.example.com"));

        byte[] third =
        [
            0x82,                          // :method GET
            0x87,                          // indexed 7: :scheme https
            0x85,                          // indexed 5: :path /index.html
            0xBF,                          // indexed 63: dynamic 2 (:authority www.example.com)
            0x40,                          // literal with indexing, new name
            0x0A, .. "custom-key"u8,       //   name: raw 10
            0x0C, .. "custom-value"u8,     //   value: raw 12
        ];
        Assert.Equal(C3Request3, Decode(decoder, third));
        Table(decoder.DynamicTable, 164,
            ("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com"));
    }

    [Fact]
    public void Decode_C4_RequestsWithHuffman_TrackTable()
    {
        var decoder = new HpackDecoder();

        byte[] first =
        [
            0x82, 0x86, 0x84,              // :method GET, :scheme http, :path /
            0x41,                          // literal with indexing, name 1 (:authority)
            0x8C, .. Hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff"), // value: Huffman 12, "www.example.com"
        ];
        Assert.Equal(C3Request1, Decode(decoder, first));
        Table(decoder.DynamicTable, 57, (":authority", "www.example.com"));

        byte[] second =
        [
            0x82, 0x86, 0x84,              // :method GET, :scheme http, :path /
            0xBE,                          // dynamic 1: :authority www.example.com
            0x58,                          // literal with indexing, name 24 (cache-control)
            0x86, .. Hex("a8eb 1064 9cbf"), // value: Huffman 6, "no-cache"
        ];
        Assert.Equal(C3Request2, Decode(decoder, second));
        Table(decoder.DynamicTable, 110, ("cache-control", "no-cache"), (":authority", "www.example.com"));

        byte[] third =
        [
            0x82, 0x87, 0x85,              // :method GET, :scheme https, :path /index.html
            0xBF,                          // dynamic 2: :authority www.example.com
            0x40,                          // literal with indexing, new name
            0x88, .. Hex("25a8 49e9 5ba9 7d7f"),    // name: Huffman 8, "custom-key"
            0x89, .. Hex("25a8 49e9 5bb8 e8b4 bf"), // value: Huffman 9, "custom-value"
        ];
        Assert.Equal(C3Request3, Decode(decoder, third));
        Table(decoder.DynamicTable, 164,
            ("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com"));
    }

    [Fact]
    public void Decode_C5_ResponsesWithoutHuffman_EvictFromSmallTable()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 256);

        byte[] first =
        [
            0x48, 0x03, .. "302"u8,        // literal with indexing, name 8 (:status), raw 3
            0x58, 0x07, .. "private"u8,    // literal with indexing, name 24 (cache-control), raw 7
            0x61, 0x1D, .. "Mon, 21 Oct 2013 20:13:21 GMT"u8, // literal with indexing, name 33 (date), raw 29
            0x6E, 0x17, .. "https://www.example.com"u8,       // literal with indexing, name 46 (location), raw 23
        ];
        Assert.Equal(C5Response1, Decode(decoder, first));
        Table(decoder.DynamicTable, 222,
            ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("cache-control", "private"), (":status", "302"));

        byte[] second =
        [
            0x48, 0x03, .. "307"u8,        // literal with indexing, name 8 (:status): evicts (:status 302)
            0xC1,                          // dynamic 4 (65): cache-control private
            0xC0,                          // dynamic 3 (64): date
            0xBF,                          // dynamic 2 (63): location
        ];
        Assert.Equal(C5Response2, Decode(decoder, second));
        Table(decoder.DynamicTable, 222,
            (":status", "307"), ("location", "https://www.example.com"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"));

        byte[] third =
        [
            0x88,                          // indexed 8: :status 200
            0xC1,                          // dynamic 4 (65): cache-control private
            0x61, 0x1D, .. "Mon, 21 Oct 2013 20:13:22 GMT"u8, // literal with indexing, name 33 (date), raw 29
            0xC0,                          // dynamic 3 (64): location
            0x5A, 0x04, .. "gzip"u8,       // literal with indexing, name 26 (content-encoding), raw 4
            0x77, 0x38, .. "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"u8, // name 55 (set-cookie), raw 56
        ];
        Assert.Equal(C5Response3, Decode(decoder, third));
        Table(decoder.DynamicTable, 215,
            ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
            ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"));
    }

    [Fact]
    public void Decode_C6_ResponsesWithHuffman_EvictFromSmallTable()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 256);

        byte[] first =
        [
            0x48, 0x82, .. Hex("6402"),                         // name 8 (:status), Huffman 2: "302"
            0x58, 0x85, .. Hex("aec3 771a 4b"),                 // name 24 (cache-control), Huffman 5: "private"
            0x61, 0x96, .. Hex("d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff"), // name 33 (date), Huffman 22
            0x6E, 0x91, .. Hex("9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"),            // name 46 (location), Huffman 17
        ];
        Assert.Equal(C5Response1, Decode(decoder, first));
        Table(decoder.DynamicTable, 222,
            ("location", "https://www.example.com"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("cache-control", "private"), (":status", "302"));

        byte[] second =
        [
            0x48, 0x83, .. Hex("640e ff"),  // name 8 (:status), Huffman 3: "307"
            0xC1, 0xC0, 0xBF,               // dynamic 4, 3, 2: cache-control, date, location
        ];
        Assert.Equal(C5Response2, Decode(decoder, second));
        Table(decoder.DynamicTable, 222,
            (":status", "307"), ("location", "https://www.example.com"),
            ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("cache-control", "private"));

        byte[] third =
        [
            0x88,                           // :status 200
            0xC1,                           // dynamic 4: cache-control private
            0x61, 0x96, .. Hex("d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff"), // name 33 (date), Huffman 22
            0xC0,                           // dynamic 3: location
            0x5A, 0x83, .. Hex("9bd9 ab"),  // name 26 (content-encoding), Huffman 3: "gzip"
            0x77, 0xAD, .. Hex("94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07"), // name 55 (set-cookie), Huffman 45
        ];
        Assert.Equal(C5Response3, Decode(decoder, third));
        Table(decoder.DynamicTable, 215,
            ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
            ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"));
    }

    private static readonly (string, string)[] C3Request1 =
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")];

    private static readonly (string, string)[] C3Request2 = [.. C3Request1, ("cache-control", "no-cache")];

    private static readonly (string, string)[] C3Request3 =
    [
        (":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"),
        ("custom-key", "custom-value"),
    ];

    private static readonly (string, string)[] C5Response1 =
    [
        (":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
        ("location", "https://www.example.com"),
    ];

    private static readonly (string, string)[] C5Response2 = [(":status", "307"), .. C5Response1[1..]];

    private static readonly (string, string)[] C5Response3 =
    [
        (":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
        ("location", "https://www.example.com"), ("content-encoding", "gzip"),
        ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
    ];
}
