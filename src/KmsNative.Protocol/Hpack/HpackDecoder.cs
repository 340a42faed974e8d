namespace KmsNative.Protocol.Hpack;

/// <summary>RFC 7541 §3 and §6: decodes complete header blocks for one connection.</summary>
/// <remarks>
/// The HTTP/2 layer concatenates HEADERS and CONTINUATION fragments and calls <see cref="Decode"/> once per block,
/// in the order the blocks arrived: the dynamic table is shared by all of them (RFC 9113 §4.3).
/// Not thread-safe. Decoding allocates nothing once the scratch buffer is large enough for the Huffman strings seen.
/// <code>
///   0   1   2   3   4   5   6   7
/// +---+---+---+---+---+---+---+---+
/// | 1 |        Index (7+)         |  §6.1   indexed field
/// | 0 | 1 |      Index (6+)       |  §6.2.1 literal with incremental indexing (index 0: new name follows)
/// | 0 | 0 | 1 |   Max size (5+)   |  §6.3   dynamic table size update
/// | 0 | 0 | 0 | 1 |  Index (4+)   |  §6.2.3 literal never indexed
/// | 0 | 0 | 0 | 0 |  Index (4+)   |  §6.2.2 literal without indexing
/// +---+---+---+---+---+---+---+---+
/// </code>
/// </remarks>
internal sealed class HpackDecoder
{
    private const int InitialScratchSize = 4096;

    private readonly DynamicTable _table;
    private readonly int _maxHeaderListSize;
    private int _maxAllowedTableSize;

    // Huffman-decoded names and values, and a copied dynamic-table name (see DecodeLiteral). Not secret: header
    // fields here are request metadata, never key material.
    private byte[] _scratch = new byte[InitialScratchSize];

    // Per-block state, reset by Decode.
    private long _headerListSize;
    private bool _withinLimit;

    /// <param name="maxDynamicTableSize">Our SETTINGS_HEADER_TABLE_SIZE: the initial table size and the largest a
    /// size update may choose (RFC 7541 §4.2).</param>
    /// <param name="maxHeaderListSize">Our SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2).</param>
    public HpackDecoder(int maxDynamicTableSize = 4096, int maxHeaderListSize = 16 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDynamicTableSize);
        ArgumentOutOfRangeException.ThrowIfNegative(maxHeaderListSize);
        _table = new DynamicTable(maxDynamicTableSize);
        _maxAllowedTableSize = maxDynamicTableSize;
        _maxHeaderListSize = maxHeaderListSize;
    }

    /// <summary>
    /// The uncompressed size of the last block decoded (names, values and 32 per field, RFC 9113 §6.5.2), counted to
    /// the end even past the limit: what the block cost to walk, for the connection's abuse budget.
    /// </summary>
    public long LastHeaderListSize => _headerListSize;

    /// <summary>The decoder's dynamic table, for inspection.</summary>
    public DynamicTable DynamicTable => _table;

    // A string longer than this can neither reach the handler (its field alone exceeds the list limit) nor enter
    // the table (§4.4: an entry larger than the maximum size empties the table instead), so only its length matters.
    private int MaxUsefulStringLength => Math.Max(_maxHeaderListSize, _maxAllowedTableSize);

    /// <summary>
    /// Changes the largest table size the peer may choose with a size update (RFC 7541 §4.2), after our new
    /// SETTINGS_HEADER_TABLE_SIZE is acknowledged. The current table is left alone until the peer's next update.
    /// </summary>
    public void SetMaxAllowedTableSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        _table.EnsureCapacity(maxSize);
        _maxAllowedTableSize = maxSize;
    }

    /// <summary>
    /// Decodes one complete header block, passing each field to <paramref name="handler"/> in order.
    /// Returns false when the header list exceeds the maximum size (RFC 9113 §6.5.2): the block is still decoded to
    /// the end so that the dynamic table stays in step with the peer's encoder, but the handler sees no field from
    /// the one that crossed the limit onwards.
    /// </summary>
    /// <exception cref="HpackDecodingException">The block is malformed; the connection must end with
    /// COMPRESSION_ERROR because the table state is now unknown (RFC 9113 §4.3).</exception>
    public bool Decode(ReadOnlySpan<byte> headerBlock, IHeaderHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _headerListSize = 0;
        _withinLimit = true;
        bool fieldSeen = false;
        int position = 0;
        while (position < headerBlock.Length)
        {
            byte first = headerBlock[position];
            if ((first & 0x80) != 0)
            {
                DecodeIndexed(headerBlock, ref position, handler);
                fieldSeen = true;
            }
            else if ((first & 0x40) != 0)
            {
                DecodeLiteral(headerBlock, ref position, prefixBits: 6, addToTable: true, handler);
                fieldSeen = true;
            }
            else if ((first & 0x20) != 0)
            {
                // RFC 7541 §4.2: a size update is only allowed at the beginning of a header block.
                if (fieldSeen)
                {
                    HpackThrowHelper.Throw("Dynamic table size update after a header field (RFC 7541 §4.2).");
                }

                DecodeSizeUpdate(headerBlock, ref position);
            }
            else
            {
                // Without indexing and never indexed differ only for intermediaries (§6.2.3); we are an endpoint.
                DecodeLiteral(headerBlock, ref position, prefixBits: 4, addToTable: false, handler);
                fieldSeen = true;
            }
        }

        return _withinLimit;
    }

    // RFC 7541 §6.1.
    private void DecodeIndexed(ReadOnlySpan<byte> block, ref int position, IHeaderHandler handler)
    {
        int index = ReadInteger(block, ref position, prefixBits: 7);
        if (index == 0)
        {
            // §6.1: the index value of 0 is not used.
            HpackThrowHelper.Throw("Indexed header field with index 0 (RFC 7541 §6.1).");
        }

        ReadOnlySpan<byte> name;
        ReadOnlySpan<byte> value;
        if (index <= StaticTable.Count)
        {
            name = StaticTable.GetName(index);
            value = StaticTable.GetValue(index);
        }
        else
        {
            int dynamicIndex = CheckDynamicIndex(index);
            name = _table.GetName(dynamicIndex);
            value = _table.GetValue(dynamicIndex);
        }

        Deliver(name, name.Length, value, value.Length, handler);
    }

    // RFC 7541 §6.2: the literal representations share one layout after the first byte's pattern.
    private void DecodeLiteral(ReadOnlySpan<byte> block, ref int position, int prefixBits, bool addToTable, IHeaderHandler handler)
    {
        int nameIndex = ReadInteger(block, ref position, prefixBits);
        ReadOnlySpan<byte> name;
        int nameLength;
        int scratchUsed = 0;
        if (nameIndex == 0)
        {
            name = ReadString(block, ref position, scratchOffset: 0, out nameLength);
            if (name.Length > 0 && name.Overlaps(_scratch))
            {
                scratchUsed = name.Length;
            }
        }
        else if (nameIndex <= StaticTable.Count)
        {
            name = StaticTable.GetName(nameIndex);
            nameLength = name.Length;
        }
        else
        {
            name = _table.GetName(CheckDynamicIndex(nameIndex));
            nameLength = name.Length;
            if (addToTable)
            {
                // §4.4: inserting may evict the very entry that supplies the name, so take a copy first.
                EnsureScratch(name.Length);
                name.CopyTo(_scratch);
                name = _scratch.AsSpan(0, name.Length);
                scratchUsed = name.Length;
            }
        }

        ReadOnlySpan<byte> value = ReadString(block, ref position, scratchUsed, out int valueLength);
        Deliver(name, nameLength, value, valueLength, handler);

        if (addToTable)
        {
            if (name.Length == nameLength && value.Length == valueLength)
            {
                _table.Insert(name, value);
            }
            else
            {
                // A string was too long to keep (see MaxUsefulStringLength), so the entry exceeds the table's
                // maximum size: §4.4 says adding it empties the table.
                _table.Clear();
            }
        }
    }

    // RFC 7541 §6.3.
    private void DecodeSizeUpdate(ReadOnlySpan<byte> block, ref int position)
    {
        int maxSize = ReadInteger(block, ref position, prefixBits: 5);
        if (maxSize > _maxAllowedTableSize)
        {
            // §6.3: the new maximum size must not exceed the limit set by SETTINGS_HEADER_TABLE_SIZE.
            HpackThrowHelper.Throw("Dynamic table size update exceeds SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §6.3).");
        }

        _table.SetMaxSize(maxSize);
    }

    // RFC 7541 §5.2: string literal. Returns the bytes, or an empty span when the decoded string is longer than
    // any consumer can use; decodedLength is the true length either way. Raw strings are returned in place.
    private ReadOnlySpan<byte> ReadString(ReadOnlySpan<byte> block, scoped ref int position, int scratchOffset, out int decodedLength)
    {
        if (position >= block.Length)
        {
            HpackThrowHelper.Throw("Header block ends before a string literal (RFC 7541 §5.2).");
        }

        bool huffman = (block[position] & 0x80) != 0;
        int length = ReadInteger(block, ref position, prefixBits: 7);
        if (length > block.Length - position)
        {
            HpackThrowHelper.Throw("String literal is longer than the rest of the header block (RFC 7541 §5.2).");
        }

        ReadOnlySpan<byte> encoded = block.Slice(position, length);
        position += length;
        if (!huffman)
        {
            decodedLength = length;
            return encoded;
        }

        if (Huffman.GetMaxDecodedLength(length) > _scratch.Length - scratchOffset)
        {
            // Rare: measure first, so that an oversized string is validated without being stored.
            decodedLength = Huffman.GetDecodedLength(encoded);
            if (decodedLength > MaxUsefulStringLength)
            {
                return default;
            }

            EnsureScratch(scratchOffset + decodedLength);
        }

        decodedLength = Huffman.Decode(encoded, _scratch.AsSpan(scratchOffset));
        return _scratch.AsSpan(scratchOffset, decodedLength);
    }

    // RFC 9113 §6.5.2: the list size counts each field's uncompressed name and value plus 32.
    private void Deliver(ReadOnlySpan<byte> name, int nameLength, ReadOnlySpan<byte> value, int valueLength, IHeaderHandler handler)
    {
        _headerListSize += (long)nameLength + valueLength + DynamicTable.EntryOverhead;
        if (!_withinLimit)
        {
            return;
        }

        if (_headerListSize > _maxHeaderListSize)
        {
            _withinLimit = false;
            return;
        }

        handler.OnHeader(name, value);
    }

    // RFC 7541 §2.3.3: indices above the static table address the dynamic table, newest first.
    private int CheckDynamicIndex(int index)
    {
        int dynamicIndex = index - StaticTable.Count;
        if (dynamicIndex > _table.Count)
        {
            HpackThrowHelper.Throw("Header field index is beyond the dynamic table (RFC 7541 §2.3.3).");
        }

        return dynamicIndex;
    }

    private static int ReadInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        if (!IntegerCodec.TryDecode(block, ref position, prefixBits, out int value))
        {
            // The block is complete, so running out of bytes means the integer was cut off.
            HpackThrowHelper.Throw("Header block ends inside an integer (RFC 7541 §5.1).");
        }

        return value;
    }

    // A span into the previous buffer stays valid after growing: the span keeps that array alive.
    private void EnsureScratch(int length)
    {
        if (length > _scratch.Length)
        {
            _scratch = new byte[Math.Max(length, (int)Math.Min(_scratch.Length * 2L, Array.MaxLength))];
        }
    }
}
