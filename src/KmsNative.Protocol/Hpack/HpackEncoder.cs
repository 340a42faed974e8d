namespace KmsNative.Protocol.Hpack;

/// <summary>
/// RFC 7541 §6: writes the few representations the server sends. Stateless: we never add to the peer's dynamic
/// table, so there is no encoder-side table to keep in step, and strings are written raw (H = 0).
/// </summary>
/// <remarks>Every method returns false, with <c>bytesWritten</c> = 0, when the destination is too small.</remarks>
internal static class HpackEncoder
{
    /// <summary>RFC 7541 §6.1: <c>1xxxxxxx</c>, a field taken whole from the static table (e.g. <c>:status 200</c>).</summary>
    public static bool TryWriteIndexed(int index, Span<byte> destination, out int bytesWritten)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        return IntegerCodec.TryEncode(index, prefixBits: 7, flags: 0x80, destination, out bytesWritten);
    }

    /// <summary>RFC 7541 §6.2.2: <c>0000xxxx</c>, a literal value under a static table name.</summary>
    public static bool TryWriteLiteralWithoutIndexing(int staticNameIndex, ReadOnlySpan<byte> value, Span<byte> destination, out int bytesWritten)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(staticNameIndex, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(staticNameIndex, StaticTable.Count);
        if (IntegerCodec.TryEncode(staticNameIndex, prefixBits: 4, flags: 0x00, destination, out int headerLength)
            && TryWriteString(value, destination[headerLength..], out int valueLength))
        {
            bytesWritten = headerLength + valueLength;
            return true;
        }

        bytesWritten = 0;
        return false;
    }

    /// <summary>RFC 7541 §6.2.2: <c>00000000</c>, then a literal name and a literal value (e.g. <c>grpc-status</c>).</summary>
    public static bool TryWriteLiteralWithoutIndexingNewName(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, Span<byte> destination, out int bytesWritten)
    {
        if (!destination.IsEmpty
            && TryWriteString(name, destination[1..], out int nameLength)
            && TryWriteString(value, destination[(1 + nameLength)..], out int valueLength))
        {
            destination[0] = 0x00;
            bytesWritten = 1 + nameLength + valueLength;
            return true;
        }

        bytesWritten = 0;
        return false;
    }

    // RFC 7541 §5.2: H = 0, a 7-bit-prefix length, then the octets.
    private static bool TryWriteString(ReadOnlySpan<byte> value, Span<byte> destination, out int bytesWritten)
    {
        if (IntegerCodec.TryEncode(value.Length, prefixBits: 7, flags: 0x00, destination, out int lengthLength)
            && value.TryCopyTo(destination[lengthLength..]))
        {
            bytesWritten = lengthLength + value.Length;
            return true;
        }

        bytesWritten = 0;
        return false;
    }
}
