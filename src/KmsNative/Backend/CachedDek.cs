using KmsNative.Protocol.Buffers;

namespace KmsNative.Backend;

/// <summary>
/// Owns one plaintext DEK held by <see cref="DekCache"/>. Exactly one owner: the cache entry; readers copy out under
/// the cache's lock and never keep the span. The bytes are a <see cref="PooledSecretBuffer"/>, the one type every
/// secret lives in, on <see cref="PinnedArrays"/>: a pinned array of exactly the DEK's length that the GC never moves
/// (no copy left behind by compaction) and that is not taken from the shared pool for the entry's hour.
/// <see cref="Dispose"/> zeroes it, by the buffer's policy, on eviction, expiry and shutdown.
/// </summary>
internal sealed class CachedDek : IDisposable
{
    private PooledSecretBuffer _plaintext;
    private int _disposed;

    public CachedDek(ReadOnlySpan<byte> plaintext)
    {
        _plaintext = new PooledSecretBuffer(plaintext.Length, PinnedArrays.Instance);
        _plaintext.Append(plaintext);
    }

    /// <summary>The plaintext; empty once disposed. Callers must hold the cache's lock and must not keep the span.</summary>
    public ReadOnlySpan<byte> Bytes => _plaintext.WrittenSpan;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _plaintext.Dispose();
        }
    }
}
