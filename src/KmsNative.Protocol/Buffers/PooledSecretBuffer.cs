using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;

namespace KmsNative.Protocol.Buffers;

/// <summary>
/// A growable byte buffer rented from an <see cref="ArrayPool{T}"/>, for every buffer that may hold a DEK, a request
/// or response body, or a token. One policy: an array goes back to the pool only after every byte that may have been
/// written into it is zeroed with <see cref="CryptographicOperations.ZeroMemory"/>, whether it is outgrown
/// (copy, then zero, then return), cleared, or disposed.
/// </summary>
/// <remarks>
/// A mutable struct, like runtime's ArrayBuffer, so that owning one costs its owner no allocation (the hot path has
/// an allocation budget). Keep it in a non-readonly field and call it in place; a copy would share the array and
/// return it twice. <c>default</c> is an empty buffer on <see cref="ArrayPool{T}.Shared"/>. Not thread-safe: the
/// owner says which lock guards it. An owner that must be an <see cref="IBufferWriter{T}"/> (a protobuf serializer's
/// target) forwards <see cref="GetSpan"/>, <see cref="GetMemory"/> and <see cref="Advance"/> to it.
/// </remarks>
internal struct PooledSecretBuffer : IDisposable
{
    private const int MinimumGrowth = 256;

    private ArrayPool<byte>? _pool; // null: ArrayPool<byte>.Shared
    private byte[]? _array;
    private int _length;
    private int _dirty;             // bytes [0, _dirty) may be non-zero: written, or handed out by GetSpan/GetMemory

    /// <param name="initialCapacity">Rented at once when above zero; otherwise the first write rents.</param>
    /// <param name="pool">Where arrays come from and go back to; <see cref="ArrayPool{T}.Shared"/> when null. A test knob.</param>
    public PooledSecretBuffer(int initialCapacity, ArrayPool<byte>? pool = null)
    {
        _pool = pool;
        if (initialCapacity > 0)
        {
            _array = Pool.Rent(initialCapacity);
        }
    }

    public readonly int Length => _length;

    public readonly int Capacity => _array?.Length ?? 0;

    public readonly int FreeCapacity => Capacity - _length;

    /// <summary>The bytes written so far. Valid until the next call that may grow, clear or dispose the buffer.</summary>
    public readonly Span<byte> WrittenSpan => _array.AsSpan(0, _length);

    public readonly Memory<byte> WrittenMemory => _array.AsMemory(0, _length);

    private readonly ArrayPool<byte> Pool => _pool ?? ArrayPool<byte>.Shared;

    public void Append(ReadOnlySpan<byte> data)
    {
        data.CopyTo(GetAppendSpan(data.Length));
    }

    /// <summary>Appends unless the length would exceed <paramref name="limit"/>; returns false, appending nothing, then.</summary>
    public bool TryAppend(ReadOnlySpan<byte> data, int limit)
    {
        if (data.Length > limit - _length)
        {
            return false;
        }

        Append(data);
        return true;
    }

    /// <summary>Reserves exactly <paramref name="length"/> bytes at the end and returns them to be filled.</summary>
    public Span<byte> GetAppendSpan(int length)
    {
        EnsureFree(length);
        Span<byte> span = _array.AsSpan(_length, length);
        _length += length;
        _dirty = Math.Max(_dirty, _length);
        return span;
    }

    /// <summary>IBufferWriter.GetSpan: at least <paramref name="sizeHint"/> free bytes (one when zero); <see cref="Advance"/> commits them.</summary>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(Math.Max(sizeHint, 1));
        _dirty = _array!.Length;
        return _array.AsSpan(_length);
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(Math.Max(sizeHint, 1));
        _dirty = _array!.Length;
        return _array.AsMemory(_length);
    }

    public void Advance(int count)
    {
        Debug.Assert(count >= 0 && count <= FreeCapacity);
        _length += count;
        _dirty = Math.Max(_dirty, _length);
    }

    /// <summary>Drops the first <paramref name="count"/> bytes: the rest moves to the front and the freed tail is zeroed.</summary>
    public void DiscardFront(int count)
    {
        Debug.Assert(count >= 0 && count <= _length);
        Span<byte> array = _array.AsSpan(0, _length);
        array[count..].CopyTo(array);
        _length -= count;
        CryptographicOperations.ZeroMemory(array[_length..]);
    }

    /// <summary>Forgets the written bytes, zeroing them; keeps the array for reuse.</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_array.AsSpan(0, _dirty));
        _length = 0;
        _dirty = 0;
    }

    /// <summary>Exchanges contents with <paramref name="other"/> (arrays, lengths and pools): hands written bytes over without copying.</summary>
    public void Swap(ref PooledSecretBuffer other) => (this, other) = (other, this);

    /// <summary>Zeroes and returns the array. Idempotent; the buffer is empty afterwards and may be written again.</summary>
    public void Dispose()
    {
        if (_array is { } array)
        {
            CryptographicOperations.ZeroMemory(array.AsSpan(0, _dirty));
            _array = null;
            Pool.Return(array);
        }

        _length = 0;
        _dirty = 0;
    }

    private void EnsureFree(int needed)
    {
        if (FreeCapacity >= needed)
        {
            return;
        }

        byte[] larger = Pool.Rent(Math.Max(Math.Max(Capacity * 2, _length + needed), MinimumGrowth));
        if (_array is { } old)
        {
            old.AsSpan(0, _length).CopyTo(larger);
            CryptographicOperations.ZeroMemory(old.AsSpan(0, _dirty));
            Pool.Return(old);
        }

        _array = larger;
        _dirty = _length;
    }
}
