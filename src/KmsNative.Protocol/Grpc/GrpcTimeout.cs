using System.Globalization;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// The grpc-timeout request header (gRPC over HTTP/2, "Timeout → TimeoutValue TimeoutUnit"): 1 to 8 ASCII digits
/// and one unit, H M S m u n. grpc-go sends microseconds ("2995457u"), grpc-js milliseconds ("2980m").
/// </summary>
internal static class GrpcTimeout
{
    // Beyond this a timer cannot be armed (Timer's limit is about 49.7 days); such a deadline is as good as none.
    private static readonly TimeSpan s_maximum = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static bool TryParse(ReadOnlySpan<byte> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9)
        {
            return false;
        }

        long amount = 0;
        foreach (byte digit in value[..^1])
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            amount = amount * 10 + (digit - '0');
        }

        long ticks;
        switch (value[^1])
        {
            case (byte)'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case (byte)'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case (byte)'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case (byte)'m': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case (byte)'u': ticks = amount * TimeSpan.TicksPerMicrosecond; break;
            case (byte)'n': ticks = amount / TimeSpan.NanosecondsPerTick; break;
            default: return false;
        }

        // 8 digits of hours is about 11,400 years: fits a long of ticks, but not a timer.
        timeout = ticks > s_maximum.Ticks ? s_maximum : TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>A timeout as people write it, for messages: "3s", "1.5s", "50ms", "0.25ms".</summary>
    public static string Describe(TimeSpan timeout) => timeout >= TimeSpan.FromSeconds(1)
        ? timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s"
        : timeout.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
}
