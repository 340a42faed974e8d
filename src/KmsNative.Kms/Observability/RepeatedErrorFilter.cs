namespace KmsNative.Kms.Observability;

/// <summary>
/// Lets an identical error line through at most once per <see cref="Window"/>, on the injected clock, and counts the
/// ones held back: the next line let through for the same key reports that count, so a storm of failing calls
/// (kube-apiserver retrying against a throttled vault) costs one line per window, not one per call. Thread-safe.
/// </summary>
internal sealed class RepeatedErrorFilter
{
    private const int MaxKeys = 1024;

    private readonly TimeProvider _time;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();

    public RepeatedErrorFilter(TimeProvider time, TimeSpan window)
    {
        _time = time;
        Window = window;
    }

    public TimeSpan Window { get; }

    /// <summary>True when a line for <paramref name="key"/> should be written now; <paramref name="suppressed"/> is how many were held back since the last one.</summary>
    public bool ShouldLog(string key, out long suppressed)
    {
        long now = _time.GetTimestamp();
        lock (_sync)
        {
            if (_entries.TryGetValue(key, out Entry entry) && _time.GetElapsedTime(entry.LoggedAt, now) < Window)
            {
                _entries[key] = entry with { Suppressed = entry.Suppressed + 1 };
                suppressed = 0;
                return false;
            }

            if (_entries.Count >= MaxKeys)
            {
                _entries.Clear(); // many distinct errors: forget the counts rather than grow without bound
            }

            suppressed = entry.Suppressed;
            _entries[key] = new Entry(now, 0);
            return true;
        }
    }

    private readonly record struct Entry(long LoggedAt, long Suppressed);
}
