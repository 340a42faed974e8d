using System.Diagnostics;

namespace KmsNative.Kms.Observability;

/// <summary>
/// Durations in metrics and logs are <see cref="Stopwatch"/> ticks (the histograms' and log formatter's unit), read
/// from the injected clock, which may count in other units (a fake one in tests).
/// </summary>
internal static class Durations
{
    public static long StopwatchTicksSince(this TimeProvider time, long startedTimestamp)
    {
        long delta = time.GetTimestamp() - startedTimestamp;
        return time.TimestampFrequency == Stopwatch.Frequency ? delta : (long)(delta * ((double)Stopwatch.Frequency / time.TimestampFrequency));
    }
}
