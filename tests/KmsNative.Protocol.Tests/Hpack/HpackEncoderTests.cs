using KmsNative.Protocol.Hpack;
using static KmsNative.Protocol.Tests.Hpack.HpackAssert;

namespace KmsNative.Protocol.Tests.Hpack;

public class HpackEncoderTests
{
    [Fact]
    public void TryWriteIndexed_C24_WritesRfcBytes()
    {
        var buffer = new byte[8];
        Assert.True(HpackEncoder.TryWriteIndexed(2, buffer, out int written)); // :method GET
        Assert.Equal([0x82], buffer[..written]);
    }

    [Fact]
    public void TryWriteLiteralWithoutIndexing_C22_WritesRfcBytes()
    {
        var buffer = new byte[64];
        Assert.True(HpackEncoder.TryWriteLiteralWithoutIndexing(4, "/sample/path"u8, buffer, out int written));
        byte[] expected =
        [
            0x04,                      // without indexing, name 4 (:path)
            0x0C, .. "/sample/path"u8, // raw 12
        ];
        Assert.Equal(expected, buffer[..written]);
    }

    [Fact]
    public void TryWriteLiteralWithoutIndexingNewName_WritesRfcLayout()
    {
        var buffer = new byte[64];
        Assert.True(HpackEncoder.TryWriteLiteralWithoutIndexingNewName("password"u8, "secret"u8, buffer, out int written));
        byte[] expected =
        [
            0x00,                      // without indexing, new name (C.2.3 uses 0x10, never indexed)
            0x08, .. "password"u8,     // raw 8
            0x06, .. "secret"u8,       // raw 6
        ];
        Assert.Equal(expected, buffer[..written]);
    }

    [Fact]
    public void Encoder_GrpcResponseHeadersAndTrailers_DecodeBack()
    {
        var buffer = new byte[256];
        int length = 0;
        Assert.True(HpackEncoder.TryWriteIndexed(StaticTable.Status200, buffer, out int written));
        length += written;
        Assert.True(HpackEncoder.TryWriteLiteralWithoutIndexing(StaticTable.ContentType, "application/grpc"u8, buffer.AsSpan(length), out written));
        length += written;
        Assert.True(HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-status"u8, "0"u8, buffer.AsSpan(length), out written));
        length += written;
        Assert.True(HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-message"u8, ""u8, buffer.AsSpan(length), out written));
        length += written;

        var decoder = new HpackDecoder();
        (string, string)[] expected =
            [(":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "0"), ("grpc-message", "")];
        Assert.Equal(expected, Decode(decoder, buffer[..length]));
        Assert.Equal(0, decoder.DynamicTable.Count);
    }

    [Fact]
    public void TryWriteLiteralWithoutIndexing_LongValue_UsesMultiByteLength()
    {
        var value = new byte[300];
        var buffer = new byte[310];
        Assert.True(HpackEncoder.TryWriteLiteralWithoutIndexing(StaticTable.ContentType, value, buffer, out int written));
        Assert.Equal(new byte[] { 0x0F, 0x10, 0x7F, 0xAD, 0x01 }, buffer[..5]); // name 15 + 16; length 127 + 45 + 128
        Assert.Equal(305, written);
    }

    [Fact]
    public void TryWrite_DestinationTooSmall_ReturnsFalseForEveryLength()
    {
        var full = new byte[64];
        Assert.True(HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-message"u8, "not found"u8, full, out int needed));
        for (int size = 0; size < needed; size++)
        {
            var buffer = new byte[size];
            Assert.False(HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-message"u8, "not found"u8, buffer, out int written));
            Assert.Equal(0, written);
            Assert.False(HpackEncoder.TryWriteLiteralWithoutIndexing(StaticTable.ContentType, "application/grpc"u8, buffer.AsSpan(0, Math.Min(size, 17)), out _));
        }

        Assert.False(HpackEncoder.TryWriteIndexed(8, [], out _));
    }
}
