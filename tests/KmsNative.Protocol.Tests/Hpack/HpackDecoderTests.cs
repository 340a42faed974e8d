using System.Text;
using KmsNative.Protocol.Hpack;
using static KmsNative.Protocol.Tests.Hpack.HpackAssert;

namespace KmsNative.Protocol.Tests.Hpack;

public class HpackDecoderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_KubeApiServerBlock_ReturnsFieldsThenIndexesThem(bool huffman)
    {
        var decoder = new HpackDecoder();
        byte[] block = huffman ? KubeApiServerBlock.Huffman : KubeApiServerBlock.Raw;
        Assert.Equal(KubeApiServerBlock.Fields, Decode(decoder, block));
        Assert.Equal(6, decoder.DynamicTable.Count);

        byte[] second =
        [
            0x83, 0x86,                 // :method POST, :scheme http
            0xC3, 0xC2, 0xC1, 0xC0,     // dynamic 6..3: :path, :authority, content-type, user-agent
            0xBF, 0xBE,                 // dynamic 2, 1: te, grpc-timeout
        ];
        Assert.Equal(KubeApiServerBlock.Fields, Decode(decoder, second));
    }

    [Fact]
    public void Decode_EmptyBlock_ReturnsTrueAndNoFields()
    {
        Assert.Empty(Decode(new HpackDecoder(), []));
    }

    public static TheoryData<string, byte[]> MalformedBlocks => new()
    {
        { "indexed 0", [0x80] },                                               // §6.1: index 0 is not used
        { "index past empty dynamic table", [0xBE] },                          // 62 with no dynamic entries
        { "huge index", [0xFF, 0xFF, 0xFF, 0xFF, 0x07] },                       // 127 + ~2^28, beyond every table
        { "literal name index past tables", [0x7F, 0x00, 0x01, 0x61] },        // with indexing, name 63, value "a"
        { "never-indexed name index past tables", [0x1F, 0x40, 0x01, 0x61] },  // name 15 + 64 = 79
        { "integer cut off", [0xFF] },                                         // indexed, prefix all ones, then nothing
        { "integer cut off in continuation", [0xFF, 0x80] },                   // continuation bit set on the last byte
        { "integer overflow", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },          // > int.MaxValue
        { "integer redundant zero group", [0xFF, 0x80, 0x00] },
        { "literal without name string", [0x40] },                             // with indexing, new name, then nothing
        { "literal without value string", [0x04] },                            // without indexing, name 4, then nothing
        { "new name without value", [0x00, 0x01, 0x61] },                      // name "a", then nothing
        { "name string too long", [0x40, 0x0A, 0x63, 0x75] },                  // name claims 10 bytes, 2 remain
        { "value string too long", [0x04, 0x05, 0x2F] },                       // value claims 5 bytes, 1 remains
        { "string length overflow", [0x04, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F] }, // value length > int.MaxValue
        { "string length huge", [0x04, 0x7F, 0xE0, 0xFF, 0xFF, 0xFF, 0x07] },  // value length int.MaxValue
        { "Huffman padding not ones", [0x04, 0x81, 0x18] },                    // :path, Huffman 1: 'a' + 000
        { "Huffman padding too long", [0x04, 0x82, 0x1F, 0xFF] },              // :path, Huffman 2: 'a' + 11 ones
        { "Huffman EOS", [0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF] },               // :path, Huffman 4: EOS + 11
        { "Huffman bad name", [0x40, 0x81, 0x18, 0x00] },                      // new name, Huffman 1: bad padding
        { "size update above maximum", [0x3F, 0xE2, 0x1F] },                   // 31 + 98 + 31 * 128 = 4097 > 4096
        { "size update after field", [0x82, 0x20] },                           // :method GET, then size update 0
        { "size update cut off", [0x3F] },                                     // prefix all ones, then nothing
    };

    [Theory]
    [MemberData(nameof(MalformedBlocks))]
    public void Decode_MalformedBlock_ThrowsHpackDecodingException(string scenario, byte[] block)
    {
        _ = scenario;
        var decoder = new HpackDecoder(maxDynamicTableSize: 4096);
        var exception = Assert.Throws<HpackDecodingException>(() => decoder.Decode(block, new RecordingHandler()));
        Assert.Equal(Protocol.Http2.Http2ErrorCode.CompressionError, exception.ErrorCode);
    }

    [Fact]
    public void Decode_SizeUpdatesAtStart_AreApplied()
    {
        var decoder = new HpackDecoder();
        Decode(decoder, [0x40, 0x01, .. "a"u8, 0x01, .. "1"u8]); // with indexing: a: 1
        Assert.Equal(1, decoder.DynamicTable.Count);

        byte[] block =
        [
            0x20,                   // size update: 0, evicts everything
            0x3F, 0xE1, 0x1F,       // size update: 4096
            0x82,                   // :method GET
        ];
        Assert.Equal([(":method", "GET")], Decode(decoder, block));
        Assert.Equal(0, decoder.DynamicTable.Count);
        Assert.Equal(4096, decoder.DynamicTable.MaxSize);
    }

    [Fact]
    public void Decode_SizeUpdateToZero_LaterInsertsAreDropped()
    {
        var decoder = new HpackDecoder();
        byte[] block =
        [
            0x20,                                  // size update: 0
            0x40, 0x01, .. "a"u8, 0x01, .. "1"u8,  // with indexing: a: 1 (too big for a 0-byte table)
        ];
        Assert.Equal([("a", "1")], Decode(decoder, block));
        Assert.Equal(0, decoder.DynamicTable.Count);
        Assert.Throws<HpackDecodingException>(() => decoder.Decode([0xBE], new RecordingHandler()));
    }

    [Fact]
    public void SetMaxAllowedTableSize_Larger_AllowsLargerSizeUpdate()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 100);
        Assert.Throws<HpackDecodingException>(() => decoder.Decode([0x3F, 0xA6, 0x01], new RecordingHandler())); // 31 + 38 + 128 = 197
        decoder = new HpackDecoder(maxDynamicTableSize: 100);
        decoder.SetMaxAllowedTableSize(200);
        Decode(decoder, [0x3F, 0xA6, 0x01]);
        Assert.Equal(197, decoder.DynamicTable.MaxSize);
    }

    [Fact]
    public void Decode_IndexedNameFromEntryEvictedByInsert_KeepsName()
    {
        // RFC 7541 §4.4: the new entry's name refers to the entry that inserting it evicts.
        var decoder = new HpackDecoder(maxDynamicTableSize: 70);
        Decode(decoder, [0x40, 0x04, .. "name"u8, 0x02, .. "v1"u8]); // with indexing, 4 + 2 + 32 = 38
        byte[] block =
        [
            0x7E,                   // with indexing, name 62 (dynamic 1: "name")
            0x03, .. "v22"u8,       // 4 + 3 + 32 = 39: 38 + 39 > 70, so "name: v1" is evicted first
        ];
        Assert.Equal([("name", "v22")], Decode(decoder, block));
        Table(decoder.DynamicTable, 39, ("name", "v22"));
    }

    [Fact]
    public void Decode_HeaderListTooLarge_ReturnsFalseAndKeepsTableInStep()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 4096, maxHeaderListSize: 150);
        byte[] block =
        [
            0x40, 0x0A, .. "custom-key"u8, 0x0D, .. "custom-header"u8, // 55: within the limit
            0x40, 0x03, .. "big"u8, 0x0A, .. "0123456789"u8,           // 45: 100 in total, still within
            0x40, 0x01, .. "x"u8, 0x1B, .. "yyyyyyyyyyyyyyyyyyyyyyyyyyy"u8, // 60: 160 > 150
            0x82,                                                       // :method GET: not delivered either
        ];
        var handler = new RecordingHandler();
        Assert.False(decoder.Decode(block, handler));
        Assert.Equal([("custom-key", "custom-header"), ("big", "0123456789")], handler.Fields);
        Table(decoder.DynamicTable, 160,
            ("x", "yyyyyyyyyyyyyyyyyyyyyyyyyyy"), ("big", "0123456789"), ("custom-key", "custom-header"));

        // The next blocks refer to all three entries: the table must match the encoder's.
        Assert.Equal([("x", "yyyyyyyyyyyyyyyyyyyyyyyyyyy"), ("big", "0123456789")], Decode(decoder, [0xBE, 0xBF])); // dynamic 1, 2
        Assert.Equal([("custom-key", "custom-header")], Decode(decoder, [0xC0]));                                 // dynamic 3
    }

    [Fact]
    public void Decode_LongHuffmanValue_GrowsScratchAndDecodes()
    {
        string text = new('a', 10_000);
        byte[] block = [0x04, .. KubeApiServerBlock.HuffmanString(Encoding.ASCII.GetBytes(text))]; // :path, Huffman
        var decoder = new HpackDecoder();
        Assert.Equal([(":path", text)], Decode(decoder, block));
    }

    [Fact]
    public void Decode_HuffmanStringBeyondLimits_ReturnsFalseAndEmptiesTable()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 4096, maxHeaderListSize: 1024);
        Decode(decoder, [0x40, 0x01, .. "a"u8, 0x01, .. "1"u8]); // one entry to be evicted

        string text = new('a', 20_000); // beyond both limits: only its length is kept
        byte[] block =
        [
            0x40, .. KubeApiServerBlock.HuffmanString("big"u8),                          // with indexing, new name
            .. KubeApiServerBlock.HuffmanString(Encoding.ASCII.GetBytes(text)),            // value: Huffman, 20 000 chars
            0x82,                                                                        // :method GET
        ];
        var handler = new RecordingHandler();
        Assert.False(decoder.Decode(block, handler));
        Assert.Empty(handler.Fields);
        Table(decoder.DynamicTable, 0); // §4.4: an entry larger than the table empties it

        Assert.Equal([(":method", "GET")], Decode(decoder, [0x82]));
    }

    [Fact]
    public void Decode_RawStringBeyondLimits_ReturnsFalseAndEmptiesTable()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 256, maxHeaderListSize: 1024);
        Decode(decoder, [0x40, 0x01, .. "a"u8, 0x01, .. "1"u8]);
        byte[] value = new byte[2000];
        value.AsSpan().Fill((byte)'v');
        byte[] block = [0x40, 0x01, .. "b"u8, 0x7F, 0xD1, 0x0E, .. value]; // new name "b", raw 127 + 81 + 14 * 128 = 2000
        Assert.False(decoder.Decode(block, new RecordingHandler()));
        Table(decoder.DynamicTable, 0);
    }

    [Fact]
    public void Decode_NewBlock_ResetsHeaderListSize()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 60);
        byte[] block = [0x00, 0x01, .. "a"u8, 0x14, .. "01234567890123456789"u8]; // 1 + 20 + 32 = 53
        for (int i = 0; i < 3; i++)
        {
            Assert.Single(Decode(decoder, block));
        }
    }
}
