using System.Diagnostics;

namespace KmsNative.Kms.Observability;

/// <summary>
/// A fixed-bucket histogram of durations. <see cref="Observe"/> is lock-free and allocation-free (Interlocked on
/// preallocated counters), so it can sit on the request path; a scrape reads the counters without stopping writers,
/// so one scrape may see a count one ahead of a bucket (Prometheus tolerates that; the next scrape is consistent).
/// </summary>
internal sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _buckets; // non-cumulative; the last one is +Inf
    private long _count;
    private long _sumTicks;

    public Histogram(double[] bounds)
    {
        _bounds = bounds;
        _buckets = new long[bounds.Length + 1];
    }

    public long Count => Volatile.Read(ref _count);

    public double SumSeconds => (double)Volatile.Read(ref _sumTicks) / Stopwatch.Frequency;

    public ReadOnlySpan<double> Bounds => _bounds;

    public void Observe(long elapsedTicks)
    {
        double seconds = (double)elapsedTicks / Stopwatch.Frequency;
        int i = 0;
        while (i < _bounds.Length && seconds > _bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref _buckets[i]);
        Interlocked.Add(ref _sumTicks, elapsedTicks);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Cumulative counts, one per bound and the last for +Inf, as the exposition format wants them.</summary>
    public void ReadCumulative(Span<long> destination)
    {
        long total = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            total += Volatile.Read(ref _buckets[i]);
            destination[i] = total;
        }
    }
}
