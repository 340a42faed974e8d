namespace KmsNative.Memory;

/// <summary>
/// Calls a trim once a burst of calls is over: when a whole quiet period passes with no call after one in which
/// there were calls. A plugin whose DEKs are cached sees bursts (start-up, a rotation, a re-encryption) and long
/// quiet stretches between them; this gives back what a burst grew (GC heap, code and data pages it touched) within
/// one to two quiet periods after it ends, and never trims while calls keep coming or twice for one burst.
/// </summary>
internal sealed class IdleTrimmer : IDisposable
{
    /// <summary>How long without Encrypt or Decrypt counts as the end of a burst.</summary>
    public static readonly TimeSpan DefaultQuietPeriod = TimeSpan.FromSeconds(10);

    private readonly Func<long> _calls;
    private readonly Action _trim;
    private readonly ITimer _timer;
    private readonly Lock _sync = new();
    private long _callsSeen;
    private bool _burstSinceTrim;

    /// <param name="calls">A count that grows with every call (the Encrypt and Decrypt calls served).</param>
    /// <param name="trim">What to run after a burst; runs on a timer thread, never twice at once.</param>
    public IdleTrimmer(Func<long> calls, Action trim, TimeProvider time, TimeSpan quietPeriod)
    {
        _calls = calls;
        _trim = trim;
        _callsSeen = calls();
        _timer = time.CreateTimer(_ => Tick(), null, quietPeriod, quietPeriod);
    }

    public void Dispose() => _timer.Dispose();

    private void Tick()
    {
        lock (_sync)
        {
            long calls = _calls();
            if (calls != _callsSeen)
            {
                _callsSeen = calls;
                _burstSinceTrim = true;
                return;
            }

            if (!_burstSinceTrim)
            {
                return;
            }

            _burstSinceTrim = false;
            _trim();
        }
    }
}
