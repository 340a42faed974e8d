namespace KmsNative.Memory;

/// <summary>
/// Calls a trim once a burst of calls is over: when no call has been seen for a whole quiet period after a check
/// that saw calls. A plugin whose DEKs are cached sees bursts (start-up, a rotation, a re-encryption) and long quiet
/// stretches between them; this gives back what a burst grew (GC heap, code and data pages it touched) one quiet
/// period after it ends (plus at most one check interval), and never trims while calls keep coming or twice for one
/// burst.
/// </summary>
/// <remarks>
/// The quiet period outlasts the thread pool's idle-worker timeout (20 s): the workers a burst added exit by then,
/// and their exit runs libc's, OpenSSL's and the runtime's thread clean-up, about 0.5 MiB of code pages that a trim
/// before it would see mapped back at once. The check interval is shorter than that timeout, so the checks keep one
/// worker alive instead of creating a thread (and mapping its start-up code back) each time.
/// </remarks>
internal sealed class IdleTrimmer : IDisposable
{
    /// <summary>How long without Encrypt or Decrypt counts as the end of a burst.</summary>
    public static readonly TimeSpan DefaultQuietPeriod = TimeSpan.FromSeconds(21);

    /// <summary>How often the call count is read.</summary>
    public static readonly TimeSpan DefaultCheckInterval = TimeSpan.FromSeconds(3);

    private readonly Func<long> _calls;
    private readonly Action _trim;
    private readonly TimeProvider _time;
    private readonly TimeSpan _quietPeriod;
    private readonly ITimer _timer;
    private readonly Lock _sync = new();
    private long _callsSeen;
    private long _lastCallSeenAt; // TimeProvider timestamp of the check that last saw new calls
    private bool _burstSinceTrim;

    /// <param name="calls">A count that grows with every call (the Encrypt and Decrypt calls served).</param>
    /// <param name="trim">What to run after a burst; runs on a timer thread, never twice at once.</param>
    public IdleTrimmer(Func<long> calls, Action trim, TimeProvider time, TimeSpan quietPeriod, TimeSpan checkInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(checkInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(quietPeriod, checkInterval);
        _calls = calls;
        _trim = trim;
        _time = time;
        _quietPeriod = quietPeriod;
        _callsSeen = calls();
        _timer = time.CreateTimer(_ => Check(), null, checkInterval, checkInterval);
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        lock (_sync)
        {
            long calls = _calls();
            if (calls != _callsSeen)
            {
                _callsSeen = calls;
                _lastCallSeenAt = _time.GetTimestamp();
                _burstSinceTrim = true;
                return;
            }

            if (!_burstSinceTrim || _time.GetElapsedTime(_lastCallSeenAt) < _quietPeriod)
            {
                return;
            }

            _burstSinceTrim = false;
            _trim();
        }
    }
}
