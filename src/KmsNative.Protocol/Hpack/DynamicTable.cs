using System.Diagnostics;

namespace KmsNative.Protocol.Hpack;

/// <summary>RFC 7541 §2.3.2 and §4: the decoder's dynamic table, a FIFO of header fields bounded by size.</summary>
/// <remarks>
/// Storage is two fixed arrays, so inserting and looking up never allocate. Field bytes (names and values) sit
/// back to back in <c>_bytes</c>, oldest first; eviction only advances the start offset, and when a new field no
/// longer fits at the end the live bytes are moved down to offset 0. Live bytes never exceed
/// <see cref="MaxSize"/> minus 32 per entry (§4.1), so a buffer of <see cref="Capacity"/> bytes always suffices.
/// The entry descriptors form a ring: slot <c>_newest</c> holds dynamic index 1 (§2.3.3).
/// Not thread-safe: one decoder per connection.
/// </remarks>
internal sealed class DynamicTable
{
    /// <summary>RFC 7541 §4.1: the per-entry overhead added to the name and value lengths.</summary>
    public const int EntryOverhead = 32;

    private byte[] _bytes;
    private DynamicTableEntry[] _entries;
    private int _newest = -1;   // ring slot of the most recent entry
    private int _count;
    private int _size;
    private int _maxSize;
    private int _bytesEnd;      // one past the newest entry's bytes

    /// <param name="maxSize">Both the initial maximum size and the largest one a size update may choose.</param>
    public DynamicTable(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        _bytes = new byte[maxSize];
        _entries = new DynamicTableEntry[maxSize / EntryOverhead + 1];
        _maxSize = maxSize;
    }

    public int Count => _count;

    /// <summary>RFC 7541 §4.1: the sum of name length + value length + 32 over all entries.</summary>
    public int Size => _size;

    /// <summary>RFC 7541 §4.2: the current maximum size, set by the encoder's table size updates.</summary>
    public int MaxSize => _maxSize;

    /// <summary>The largest <see cref="MaxSize"/> the storage can hold without growing.</summary>
    public int Capacity => _bytes.Length;

    /// <param name="index">Dynamic index, 1 (newest) to <see cref="Count"/>.</param>
    public ReadOnlySpan<byte> GetName(int index)
    {
        ref readonly DynamicTableEntry entry = ref GetEntry(index);
        return _bytes.AsSpan(entry.Offset, entry.NameLength);
    }

    /// <param name="index">Dynamic index, 1 (newest) to <see cref="Count"/>.</param>
    public ReadOnlySpan<byte> GetValue(int index)
    {
        ref readonly DynamicTableEntry entry = ref GetEntry(index);
        return _bytes.AsSpan(entry.Offset + entry.NameLength, entry.ValueLength);
    }

    /// <summary>
    /// RFC 7541 §4.4: evicts oldest entries until the new field fits, then adds it. A field larger than
    /// <see cref="MaxSize"/> empties the table and is not added.
    /// </summary>
    /// <remarks><paramref name="name"/> and <paramref name="value"/> must not point into this table: eviction and
    /// compaction may overwrite them. The decoder copies a referenced dynamic name first.</remarks>
    public void Insert(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Debug.Assert(!name.Overlaps(_bytes) && !value.Overlaps(_bytes));
        long entrySize = (long)name.Length + value.Length + EntryOverhead;
        if (entrySize > _maxSize)
        {
            Clear();
            return;
        }

        EvictUntil(_maxSize - (int)entrySize);

        int length = name.Length + value.Length;
        if (_bytesEnd + length > _bytes.Length)
        {
            Compact();
        }

        int offset = _bytesEnd;
        name.CopyTo(_bytes.AsSpan(offset));
        value.CopyTo(_bytes.AsSpan(offset + name.Length));
        _bytesEnd = offset + length;

        _newest = _newest + 1 == _entries.Length ? 0 : _newest + 1;
        _entries[_newest] = new DynamicTableEntry(offset, name.Length, value.Length);
        _count++;
        _size += (int)entrySize;
    }

    /// <summary>RFC 7541 §4.3: applies a dynamic table size update, evicting as needed.</summary>
    /// <param name="maxSize">0 to <see cref="Capacity"/>; the decoder rejects larger values first.</param>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSize, Capacity);
        _maxSize = maxSize;
        EvictUntil(maxSize);
    }

    /// <summary>Grows the storage so that a later size update may choose up to <paramref name="capacity"/>.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (capacity <= _bytes.Length)
        {
            return;
        }

        var bytes = new byte[capacity];
        var entries = new DynamicTableEntry[capacity / EntryOverhead + 1];
        int start = _count == 0 ? _bytesEnd : OldestEntry().Offset;
        _bytes.AsSpan(start, _bytesEnd - start).CopyTo(bytes);
        for (int i = 0; i < _count; i++)
        {
            // Oldest first into slots 0.._count-1, rebased to the start of the new buffer.
            DynamicTableEntry old = _entries[Slot(_count - i)];
            entries[i] = old with { Offset = old.Offset - start };
        }

        _bytes = bytes;
        _entries = entries;
        _bytesEnd -= start;
        _newest = _count - 1;
    }

    /// <summary>Removes every entry; <see cref="MaxSize"/> is unchanged.</summary>
    public void Clear()
    {
        _count = 0;
        _size = 0;
        _bytesEnd = 0;
        _newest = -1;
    }

    private ref readonly DynamicTableEntry GetEntry(int index)
    {
        if ((uint)(index - 1) >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        return ref _entries[Slot(index)];
    }

    private int Slot(int index)
    {
        int slot = _newest - (index - 1);
        return slot < 0 ? slot + _entries.Length : slot;
    }

    private ref readonly DynamicTableEntry OldestEntry() => ref _entries[Slot(_count)];

    private void EvictUntil(int targetSize)
    {
        while (_size > targetSize)
        {
            ref readonly DynamicTableEntry oldest = ref OldestEntry();
            _size -= oldest.NameLength + oldest.ValueLength + EntryOverhead;
            _count--;
        }

        if (_count == 0)
        {
            _bytesEnd = 0;
            _newest = -1;
        }
    }

    // Moves the live bytes down to offset 0 so that the free space is one run at the end.
    private void Compact()
    {
        if (_count == 0)
        {
            _bytesEnd = 0;
            return;
        }

        int start = OldestEntry().Offset;
        if (start == 0)
        {
            return;
        }

        _bytes.AsSpan(start, _bytesEnd - start).CopyTo(_bytes);
        _bytesEnd -= start;
        for (int index = 1; index <= _count; index++)
        {
            ref DynamicTableEntry entry = ref _entries[Slot(index)];
            entry = entry with { Offset = entry.Offset - start };
        }
    }
}
