using System.Runtime.InteropServices;
using KmsNative.Backend;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Backend;

public sealed class DekCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));

    private static DekCacheKey Key(string version, string ciphertext) => DekCacheKey.Compute(version, "RSA-OAEP-256", System.Text.Encoding.ASCII.GetBytes(ciphertext));

    private static byte[] Dek(byte fill) => Enumerable.Repeat(fill, 32).ToArray();

    // An entry's own memory, read back after the entry let go of it: the managed reference the test holds keeps the
    // pinned array alive, so this reads the very bytes the DEK was in, not a copy.
    private static byte[] ReadBack(ref byte start) => MemoryMarshal.CreateReadOnlySpan(ref start, 32).ToArray();

    [Fact]
    public void TryCopy_AfterAdd_HitReturnsOwnCopy_OtherVersionOrCiphertextMisses()
    {
        using var cache = new DekCache(10, TimeSpan.FromHours(1), _time);
        cache.Add(Key("v1", "abc"), Dek(7));

        Assert.True(cache.TryCopy(Key("v1", "abc"), out byte[]? hit));
        Assert.Equal(Dek(7), hit);
        hit![0] = 0; // the caller's copy: zeroing it leaves the entry intact
        Assert.True(cache.TryCopy(Key("v1", "abc"), out byte[]? again));
        Assert.Equal(Dek(7), again);
        Assert.False(cache.TryCopy(Key("v2", "abc"), out _));
        Assert.False(cache.TryCopy(DekCacheKey.Compute("v1", "RSA1_5", "abc"u8), out _));
        Assert.False(cache.TryCopy(Key("v1", "abd"), out _));
        Assert.Equal(2, cache.Hits);
        Assert.Equal(3, cache.Misses);
    }

    [Fact]
    public void TryCopy_AfterTtl_MissesAndTheBufferReadsBackAsZeros()
    {
        using var cache = new DekCache(10, TimeSpan.FromMinutes(10), _time);
        CachedDek entry = cache.Add(Key("v1", "abc"), Dek(7))!;
        ref byte entryMemory = ref MemoryMarshal.GetReference(entry.Bytes);

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.True(cache.TryCopy(Key("v1", "abc"), out _)); // a hit does not extend the entry's life
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryCopy(Key("v1", "abc"), out _));

        Assert.True(entry.IsDisposed);
        Assert.Equal(new byte[32], ReadBack(ref entryMemory));
        Assert.True(entry.Bytes.IsEmpty);
        Assert.Equal(0, cache.Count);
        Assert.Equal(1, cache.Expirations);
    }

    [Fact]
    public void Sweep_ExpiredEntriesNeverLookedUp_AreZeroedOnTheClock()
    {
        using var cache = new DekCache(10, TimeSpan.FromMinutes(30), _time);
        CachedDek old = cache.Add(Key("v1", "old"), Dek(1))!;
        ref byte oldMemory = ref MemoryMarshal.GetReference(old.Bytes);
        _time.Advance(TimeSpan.FromMinutes(20));
        CachedDek young = cache.Add(Key("v1", "young"), Dek(2))!;

        _time.Advance(TimeSpan.FromMinutes(11)); // the sweep timer fires every minute

        Assert.Equal(new byte[32], ReadBack(ref oldMemory));
        Assert.Equal(Dek(2), young.Bytes.ToArray());
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Add_BeyondCapacity_EvictsLeastRecentlyUsedAndZeroesIt()
    {
        using var cache = new DekCache(2, TimeSpan.FromHours(1), _time);
        CachedDek first = cache.Add(Key("v1", "first"), Dek(1))!;
        CachedDek second = cache.Add(Key("v1", "second"), Dek(2))!;
        ref byte secondMemory = ref MemoryMarshal.GetReference(second.Bytes);
        Assert.True(cache.TryCopy(Key("v1", "first"), out _)); // first is now the most recently used

        cache.Add(Key("v1", "third"), Dek(3));

        Assert.Equal(new byte[32], ReadBack(ref secondMemory));
        Assert.Equal(Dek(1), first.Bytes.ToArray());
        Assert.False(cache.TryCopy(Key("v1", "second"), out _));
        Assert.Equal(2, cache.Count);
        Assert.Equal(1, cache.Evictions);
    }

    [Fact]
    public void Dispose_ZeroesEveryEntry_AndSizeZeroCachesNothing()
    {
        var cache = new DekCache(10, TimeSpan.FromHours(1), _time);
        CachedDek a = cache.Add(Key("v1", "a"), Dek(1))!;
        CachedDek b = cache.Add(Key("v1", "b"), Dek(2))!;
        ref byte aMemory = ref MemoryMarshal.GetReference(a.Bytes);
        ref byte bMemory = ref MemoryMarshal.GetReference(b.Bytes);
        cache.Dispose();
        Assert.Equal(new byte[32], ReadBack(ref aMemory));
        Assert.Equal(new byte[32], ReadBack(ref bMemory));

        using var off = new DekCache(0, TimeSpan.FromHours(1), _time);
        Assert.Null(off.Add(Key("v1", "a"), Dek(1)));
        Assert.False(off.TryCopy(Key("v1", "a"), out _));
    }
}
