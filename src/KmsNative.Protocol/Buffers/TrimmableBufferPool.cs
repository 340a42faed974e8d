using System.Buffers;

namespace KmsNative.Protocol.Buffers;

/// <summary>
/// The server's pool for connection buffers, which, unlike <see cref="ArrayPool{T}.Shared"/>, can be emptied on demand
/// (<see cref="Trim"/>) so that memory taken during a burst goes back to the GC, and from it to the OS, once the
/// burst is over. Shared trims only on a gen-2 GC and keeps per-core arrays for a minute or more, so how much comes
/// back after load, and when, could not be measured or tested. Thread-safe.
/// </summary>
/// <remarks>
/// Arrays are powers of two from 256 bytes to 1 MiB, one stack per size under one lock: a connection rents a handful
/// per call, far below where a lock costs more than Shared's thread-local caches. Larger arrays are not kept. Every
/// array comes back zeroed by its <see cref="PooledSecretBuffer"/>, so this pool never holds a secret.
/// </remarks>
internal sealed class TrimmableBufferPool : ArrayPool<byte>
{
    private const int SmallestShift = 8;                          // 256 bytes
    private const int LargestShift = 20;                          // 1 MiB
    private const long MaxRetainedBytesPerSize = 16L * 1024 * 1024;

    private readonly Lock _sync = new();
    private readonly Stack<byte[]>[] _free = new Stack<byte[]>[LargestShift - SmallestShift + 1]; // _sync
    private long _retainedBytes; // _sync for writes
    private long _rents;         // Interlocked

    public TrimmableBufferPool()
    {
        for (int i = 0; i < _free.Length; i++)
        {
            _free[i] = new Stack<byte[]>();
        }
    }

    /// <summary>Bytes in arrays returned and kept for reuse.</summary>
    public long RetainedBytes => Volatile.Read(ref _retainedBytes);

    /// <summary>Arrays rented so far: a trimmer compares two readings to tell whether the server was idle between them.</summary>
    public long RentCount => Volatile.Read(ref _rents);

    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        if (minimumLength == 0)
        {
            return [];
        }

        Interlocked.Increment(ref _rents);
        int shift = Math.Max(SmallestShift, 32 - int.LeadingZeroCount(minimumLength - 1)); // ceil(log2)
        if (shift > LargestShift)
        {
            return GC.AllocateUninitializedArray<byte>(minimumLength);
        }

        lock (_sync)
        {
            if (_free[shift - SmallestShift].TryPop(out byte[]? array))
            {
                _retainedBytes -= array.Length;
                return array;
            }
        }

        return GC.AllocateUninitializedArray<byte>(1 << shift);
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        int length = array.Length;
        if (length < 1 << SmallestShift || length > 1 << LargestShift || !int.IsPow2(length))
        {
            return; // not one of ours (or too large to keep): the GC takes it
        }

        if (clearArray)
        {
            Array.Clear(array);
        }

        int index = int.Log2(length) - SmallestShift;
        lock (_sync)
        {
            Stack<byte[]> free = _free[index];
            if ((long)(free.Count + 1) * length <= MaxRetainedBytesPerSize)
            {
                free.Push(array);
                _retainedBytes += length;
            }
        }
    }

    /// <summary>Drops every array kept for reuse; returns how many bytes that left to the GC.</summary>
    public long Trim()
    {
        lock (_sync)
        {
            long trimmed = _retainedBytes;
            foreach (Stack<byte[]> free in _free)
            {
                free.Clear();
                free.TrimExcess();
            }

            _retainedBytes = 0;
            return trimmed;
        }
    }
}
