namespace KmsNative.Backend;

/// <summary>
/// Unwrapped DEKs by <see cref="DekCacheKey"/>: least recently used first out once <see cref="Capacity"/> entries are
/// held, and no entry older than its time to live (counted from when Key Vault unwrapped it, not from its last use).
/// Each plaintext is a <see cref="CachedDek"/> owned by its entry and zeroed when the entry leaves: eviction, expiry
/// (on lookup and by a sweep on the injected clock), <see cref="Dispose"/>. Hits copy the plaintext out under the one
/// lock, so an eviction never zeroes bytes a reader is copying. Capacity 0 disables the cache. Thread-safe.
/// Failures are never added: only <see cref="Add"/> creates entries, and the backend calls it after a success.
/// </summary>
internal sealed class DekCache : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly Dictionary<DekCacheKey, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recency = new(); // first = most recently used
    private readonly Lock _sync = new();
    private readonly ITimer? _sweep;
    private long _hits;
    private long _misses;
    private long _evictions;
    private long _expirations;
    private bool _disposed;

    public DekCache(int capacity, TimeSpan ttl, TimeProvider time)
    {
        Capacity = Math.Max(0, capacity);
        _ttl = ttl;
        _time = time;
        if (Capacity > 0)
        {
            TimeSpan period = ttl < TimeSpan.FromMinutes(1) ? ttl : TimeSpan.FromMinutes(1);
            _sweep = time.CreateTimer(static state => ((DekCache)state!).RemoveExpired(), this, period, period);
        }
    }

    private sealed record Entry(DekCacheKey Key, CachedDek Dek, DateTimeOffset Expires);

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _entries.Count;
            }
        }
    }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Entries pushed out to make room.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Entries removed because they outlived the time to live.</summary>
    public long Expirations => Interlocked.Read(ref _expirations);

    /// <summary>On a hit, a new array with the plaintext that the caller owns and must zero. Counts a hit or a miss.</summary>
    public bool TryCopy(in DekCacheKey key, out byte[]? plaintext)
    {
        plaintext = null;
        if (Capacity == 0)
        {
            Interlocked.Increment(ref _misses);
            return false;
        }

        lock (_sync)
        {
            if (_entries.TryGetValue(key, out LinkedListNode<Entry>? node))
            {
                if (node.Value.Expires > _time.GetUtcNow())
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    plaintext = node.Value.Dek.Bytes.ToArray();
                    _hits++;
                    return true;
                }

                Remove(node);
                _expirations++;
            }

            _misses++;
            return false;
        }
    }

    /// <summary>Caches a copy of <paramref name="plaintext"/>; returns the entry's buffer (null when disabled or disposed).</summary>
    public CachedDek? Add(in DekCacheKey key, ReadOnlySpan<byte> plaintext)
    {
        if (Capacity == 0)
        {
            return null;
        }

        var dek = new CachedDek(plaintext);
        lock (_sync)
        {
            if (_disposed)
            {
                dek.Dispose();
                return null;
            }

            if (_entries.TryGetValue(key, out LinkedListNode<Entry>? existing))
            {
                Remove(existing);
            }

            while (_entries.Count >= Capacity && _recency.Last is { } oldest)
            {
                Remove(oldest);
                _evictions++;
            }

            _entries[key] = _recency.AddFirst(new Entry(key, dek, _time.GetUtcNow() + _ttl));
        }

        return dek;
    }

    /// <summary>Removes and zeroes every entry past its time to live. Runs on a timer; callable directly.</summary>
    public int RemoveExpired()
    {
        int removed = 0;
        lock (_sync)
        {
            DateTimeOffset now = _time.GetUtcNow();
            for (LinkedListNode<Entry>? node = _recency.Last; node is not null;)
            {
                LinkedListNode<Entry>? previous = node.Previous;
                if (node.Value.Expires <= now)
                {
                    Remove(node);
                    removed++;
                }

                node = previous;
            }

            _expirations += removed;
        }

        return removed;
    }

    /// <summary>Zeroes and drops every entry (shutdown).</summary>
    public void Dispose()
    {
        _sweep?.Dispose();
        lock (_sync)
        {
            _disposed = true;
            while (_recency.First is { } node)
            {
                Remove(node);
            }
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
        node.Value.Dek.Dispose();
    }
}
