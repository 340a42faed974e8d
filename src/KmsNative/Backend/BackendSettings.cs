namespace KmsNative.Backend;

/// <summary>
/// The Key Vault backend's tunables. The flags set some (Options); the rest are fixed in production and exist as
/// values so tests can shrink them.
/// </summary>
internal sealed record BackendSettings
{
    /// <summary>Unwrapped DEKs kept at most (--dek-cache-size); 0 disables the cache.</summary>
    public int DekCacheSize { get; init; } = 10_000;

    /// <summary>How long an unwrapped DEK is kept, from when Key Vault unwrapped it (--dek-cache-ttl).</summary>
    public TimeSpan DekCacheTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Encrypt with the key's public part, without Key Vault, while the last check allows it (--local-encrypt).</summary>
    public bool LocalEncrypt { get; init; } = true;

    /// <summary>Key Vault calls a second at most (--keyvault-rate-limit; <see cref="KeyVaultRateLimiter"/>); 0 is no limit.</summary>
    public int KeyVaultRateLimit { get; init; }

    /// <summary>Between key checks (get key; in versionless mode also list versions) while healthy: --key-recheck-interval.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First retry of a failed check; doubles on each failure up to <see cref="MaxCheckBackoff"/>.</summary>
    public TimeSpan MinCheckBackoff { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxCheckBackoff { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long one background check may wait for Key Vault.</summary>
    public TimeSpan CheckTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Between canaries (a real encrypt + decrypt of a random DEK through Key Vault).</summary>
    public TimeSpan CanaryInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far back health looks at real calls.</summary>
    public TimeSpan TrafficWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Failed real calls within the window (and at least as many as succeeded) that make health not ok.</summary>
    public int TrafficFailureThreshold { get; init; } = 3;
}
