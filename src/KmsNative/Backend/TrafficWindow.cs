using KmsNative.Kms.Observability;

namespace KmsNative.Backend;

/// <summary>
/// Outcomes of real Key Vault calls over the last <see cref="Length"/>, in six buckets on the injected clock, so
/// health can say "12 of 12 calls in the last 60 s exceeded their deadline" without keeping every call. Thread-safe;
/// recording and summarizing take one short lock and allocate nothing.
/// </summary>
internal sealed class TrafficWindow
{
    private const int Buckets = 6;
    private const int Outcomes = (int)KeyVaultOutcome.Count;

    private readonly TimeProvider _time;
    private readonly long _bucketTicks;
    private readonly long[] _epochs = new long[Buckets];
    private readonly int[] _counts;
    private readonly Lock _sync = new();

    public TrafficWindow(TimeProvider time, TimeSpan length)
    {
        _time = time;
        Length = length;
        _bucketTicks = Math.Max(1, length.Ticks / Buckets);
        _counts = new int[Buckets * Outcomes];
        Array.Fill(_epochs, long.MinValue);
    }

    public TimeSpan Length { get; }

    public void Record(KeyVaultOutcome outcome)
    {
        long epoch = _time.GetUtcNow().UtcTicks / _bucketTicks;
        int bucket = (int)(epoch % Buckets);
        lock (_sync)
        {
            if (_epochs[bucket] != epoch)
            {
                _epochs[bucket] = epoch;
                Array.Clear(_counts, bucket * Outcomes, Outcomes);
            }

            _counts[(bucket * Outcomes) + (int)outcome]++;
        }
    }

    /// <summary>Calls per outcome within the window.</summary>
    public TrafficSummary Summarize()
    {
        long epoch = _time.GetUtcNow().UtcTicks / _bucketTicks;
        var summary = new TrafficSummary();
        lock (_sync)
        {
            for (int bucket = 0; bucket < Buckets; bucket++)
            {
                if (_epochs[bucket] > epoch - Buckets && _epochs[bucket] <= epoch)
                {
                    for (int outcome = 0; outcome < Outcomes; outcome++)
                    {
                        summary.Add((KeyVaultOutcome)outcome, _counts[(bucket * Outcomes) + outcome]);
                    }
                }
            }
        }

        return summary;
    }
}
