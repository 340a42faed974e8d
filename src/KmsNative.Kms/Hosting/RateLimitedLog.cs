namespace KmsNative.Kms.Hosting;

/// <summary>
/// One kind of log line that a client can cause at will (a connection error, a refused connection): at most
/// <c>burst</c> lines per interval, so a flood of bad connections cannot fill the disk (10.8 MB in 30 s at -v 2 before).
/// Lines over the limit are counted, and the next line written says how many were suppressed. Thread-safe.
/// </summary>
internal sealed class RateLimitedLog
{
    private readonly IKmsLog _log;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly int _burst;
    private readonly Lock _sync = new();
    private long _windowStart;
    private int _written;    // in the current window
    private long _suppressed; // since the last line written

    public RateLimitedLog(IKmsLog log, TimeProvider time, TimeSpan interval, int burst)
    {
        _log = log;
        _time = time;
        _interval = interval;
        _burst = burst;
        _windowStart = time.GetTimestamp();
    }

    public void Write(LogLevel level, string message, params (string Key, object? Value)[] fields)
    {
        if (!_log.IsEnabled(level))
        {
            return;
        }

        long suppressed;
        lock (_sync)
        {
            long now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_windowStart, now) >= _interval)
            {
                _windowStart = now;
                _written = 0;
            }

            if (_written >= _burst)
            {
                _suppressed++;
                return;
            }

            _written++;
            (suppressed, _suppressed) = (_suppressed, 0);
        }

        _log.Write(level, message, suppressed == 0 ? fields : [.. fields, ("suppressed", suppressed)]);
    }
}
