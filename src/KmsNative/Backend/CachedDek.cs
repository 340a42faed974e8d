using System.Security.Cryptography;

namespace KmsNative.Backend;

/// <summary>
/// Owns one plaintext DEK held by <see cref="DekCache"/>. Exactly one owner: the cache entry; readers copy out under
/// the cache's lock and never keep the span. The bytes live in a pinned array (the GC never moves it, so no copy is
/// left behind by compaction) and <see cref="Dispose"/> zeroes them with <see cref="CryptographicOperations.ZeroMemory"/>
/// on eviction, expiry and shutdown. After that <see cref="Bytes"/> reads back as zeros.
/// </summary>
/// <remarks>
/// Not a <c>PooledSecretBuffer</c> (yet; issue #7 keeps it open): an entry lives up to the cache's TTL, an hour by
/// default, and a rented array held that long would be a pool array that is never returned, and unpinned, so the GC
/// could leave a copy behind when it compacts. The zeroing is the same (<see cref="CryptographicOperations.ZeroMemory"/>).
/// </remarks>
internal sealed class CachedDek : IDisposable
{
    private readonly byte[] _bytes;
    private int _disposed;

    public CachedDek(ReadOnlySpan<byte> plaintext)
    {
        _bytes = GC.AllocateUninitializedArray<byte>(plaintext.Length, pinned: true);
        plaintext.CopyTo(_bytes);
    }

    /// <summary>The plaintext, or zeros once disposed. Callers must hold the cache's lock and must not keep the span.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            CryptographicOperations.ZeroMemory(_bytes);
        }
    }
}
