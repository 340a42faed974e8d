using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KmsNative.Backend;

namespace KmsNative.Benchmarks.Kms;

/// <summary>
/// What the DEK cache costs in memory (issue #11): one operation fills an empty cache with 10,000 entries of 32-byte
/// DEKs (kube-apiserver's size) and disposes it, so BenchmarkDotNet's "Allocated" column is the bytes the entries
/// take, plus the garbage of the dictionary growing to hold them (an upper bound on what 10,000 entries keep). Keys
/// are computed in setup, as a Decrypt computes them before it looks the cache up.
/// </summary>
[MemoryDiagnoser]
public class DekCacheBenchmarks
{
    public const int Entries = 10_000;

    private readonly DekCacheKey[] _keys = new DekCacheKey[Entries];
    private readonly byte[] _dek = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        byte[] ciphertext = new byte[256]; // RSA-2048 wraps into 256 bytes
        for (int i = 0; i < Entries; i++)
        {
            RandomNumberGenerator.Fill(ciphertext);
            _keys[i] = DekCacheKey.Compute("0123456789abcdef0123456789abcdef", "RSA-OAEP-256", ciphertext);
        }

        RandomNumberGenerator.Fill(_dek);
    }

    [Benchmark]
    public int Fill10000Entries()
    {
        using var cache = new DekCache(Entries, TimeSpan.FromHours(1), TimeProvider.System);
        foreach (DekCacheKey key in _keys)
        {
            cache.Add(key, _dek);
        }

        return cache.Count;
    }
}
