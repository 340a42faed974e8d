using KmsNative.Kms.Observability;

namespace KmsNative.Backend;

/// <summary>
/// The Key Vault backend's counters, for the metrics endpoint to read: Key Vault calls by operation and outcome
/// (throttling is <see cref="KeyVaultOutcome.Throttled"/>), local versus remote encrypts, the DEK cache's hits,
/// misses, evictions, expirations and entries, and the key version Encrypt uses. Monotonic counts are
/// <see cref="Interlocked"/> longs; reading is lock-free except the cache's entry count. Thread-safe.
/// </summary>
internal sealed class BackendCounters
{
    private const int Outcomes = (int)KeyVaultOutcome.Count;

    private readonly long[] _calls = new long[(int)KeyVaultOperation.Count * Outcomes];
    private readonly DekCache _cache;
    private readonly KeyRing _ring;
    private long _localEncrypts;
    private long _remoteEncrypts;

    public BackendCounters(DekCache cache, KeyRing ring)
    {
        _cache = cache;
        _ring = ring;
    }

    public void CountCall(KeyVaultOperation operation, KeyVaultOutcome outcome) =>
        Interlocked.Increment(ref _calls[((int)operation * Outcomes) + (int)outcome]);

    public void CountEncrypt(bool local) => Interlocked.Increment(ref local ? ref _localEncrypts : ref _remoteEncrypts);

    public long Calls(KeyVaultOperation operation, KeyVaultOutcome outcome) =>
        Interlocked.Read(ref _calls[((int)operation * Outcomes) + (int)outcome]);

    /// <summary>Key Vault calls that ended in 429 after every retry, all operations.</summary>
    public long Throttled => Sum(KeyVaultOutcome.Throttled);

    private long Sum(KeyVaultOutcome outcome)
    {
        long sum = 0;
        for (var operation = (KeyVaultOperation)0; operation < KeyVaultOperation.Count; operation++)
        {
            sum += Calls(operation, outcome);
        }

        return sum;
    }

    public long LocalEncrypts => Interlocked.Read(ref _localEncrypts);

    public long RemoteEncrypts => Interlocked.Read(ref _remoteEncrypts);

    public long CacheHits => _cache.Hits;

    public long CacheMisses => _cache.Misses;

    public long CacheEvictions => _cache.Evictions;

    public long CacheExpirations => _cache.Expirations;

    public int CacheEntries => _cache.Count;

    /// <summary>The version Encrypt uses ("" until a versionless key is resolved).</summary>
    public string CurrentKeyVersion => _ring.Current?.Version ?? "";
}
