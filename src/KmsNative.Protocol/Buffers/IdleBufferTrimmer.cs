namespace KmsNative.Protocol.Buffers;

/// <summary>
/// Gives memory back after a burst: every <c>interval</c> it looks at the pool, and when nothing was rented during the
/// whole interval and the pool keeps at least <c>minimumRetained</c> bytes, it empties the pool and runs
/// <c>afterTrim</c> (by default a compacting, decommitting GC, which is what returns the pages to the OS). The
/// threshold keeps a quiet server that answers a Status call now and then from collecting for a few kilobytes.
/// </summary>
internal sealed class IdleBufferTrimmer
{
    private readonly TrimmableBufferPool _pool;
    private readonly long _minimumRetained;
    private readonly Action _afterTrim;
    private readonly ITimer _timer;
    private long _rentsAtLastTick; // timer callbacks only
    private int _trimCount;        // Interlocked
    private long _trimmedBytes;    // Interlocked

    /// <param name="time">The clock of the interval (tests pass a fake one).</param>
    /// <param name="afterTrim">What runs after a trim; a full aggressive GC when null. A test knob.</param>
    public IdleBufferTrimmer(TrimmableBufferPool pool, TimeProvider time, TimeSpan interval, long minimumRetained, Action? afterTrim = null)
    {
        _pool = pool;
        _minimumRetained = minimumRetained;
        _afterTrim = afterTrim ?? ReturnMemoryToTheOperatingSystem;
        _rentsAtLastTick = pool.RentCount;
        _timer = time.CreateTimer(static state => ((IdleBufferTrimmer)state!).OnTick(), this, interval, interval);
    }

    /// <summary>How many times the pool was trimmed, and the bytes it let go in all.</summary>
    public (int Count, long Bytes) Trimmed => (Volatile.Read(ref _trimCount), Volatile.Read(ref _trimmedBytes));

    private void OnTick()
    {
        long rents = _pool.RentCount;
        bool idle = rents == _rentsAtLastTick;
        _rentsAtLastTick = rents;
        if (!idle || _pool.RetainedBytes < _minimumRetained)
        {
            return;
        }

        long trimmed = _pool.Trim();
        Interlocked.Increment(ref _trimCount);
        Interlocked.Add(ref _trimmedBytes, trimmed);
        _afterTrim();
    }

    /// <summary>
    /// A blocking, compacting gen-2 collection in aggressive mode: the GC decommits the memory it frees instead of
    /// keeping it for the next allocation. Runs at most once per idle interval, and only after a burst.
    /// </summary>
    private static void ReturnMemoryToTheOperatingSystem() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>Stops the timer (the server is shutting down).</summary>
    public void Stop() => _timer.Dispose();
}
