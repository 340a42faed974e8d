using System.Globalization;

namespace KmsNative.Systemd;

/// <summary>
/// Sends WATCHDOG=1 at half of $WATCHDOG_USEC, as sd_watchdog_enabled(3) recommends, driven by a
/// <see cref="TimeProvider"/> timer so tests advance a fake clock instead of waiting. The ping runs on the thread pool,
/// so it also stops when the process is wedged, which is what <c>WatchdogSec=</c> is there to catch.
/// </summary>
internal sealed class SystemdWatchdog : IDisposable
{
    public const string WatchdogUsecVariable = "WATCHDOG_USEC";
    public const string WatchdogPidVariable = "WATCHDOG_PID";

    private readonly ITimer _timer;

    private SystemdWatchdog(ITimer timer, TimeSpan interval)
    {
        _timer = timer;
        Interval = interval;
    }

    /// <summary>How often WATCHDOG=1 is sent: half of $WATCHDOG_USEC.</summary>
    public TimeSpan Interval { get; }

    /// <summary>
    /// Starts pinging when $WATCHDOG_USEC is set and $WATCHDOG_PID, if set, is this process; returns null otherwise.
    /// Sends the first WATCHDOG=1 at once.
    /// </summary>
    /// <exception cref="ArgumentException">$WATCHDOG_USEC or $WATCHDOG_PID is not a positive integer.</exception>
    public static SystemdWatchdog? Start(Func<string, string?> environment, SystemdNotifier notifier, TimeProvider time, int processId)
    {
        string? usecText = environment(WatchdogUsecVariable);
        if (string.IsNullOrEmpty(usecText) || !notifier.IsEnabled)
        {
            return null;
        }

        if (!long.TryParse(usecText, NumberStyles.None, CultureInfo.InvariantCulture, out long usec) || usec <= 0)
        {
            throw new ArgumentException($"${WatchdogUsecVariable} must be a positive number of microseconds, not '{usecText}'");
        }

        // sd_watchdog_enabled: a WATCHDOG_PID for another process means the watchdog is not ours (a forked child).
        string? pidText = environment(WatchdogPidVariable);
        if (!string.IsNullOrEmpty(pidText))
        {
            if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 0)
            {
                throw new ArgumentException($"${WatchdogPidVariable} must be a process id, not '{pidText}'");
            }

            if (pid != processId)
            {
                return null;
            }
        }

        var interval = TimeSpan.FromTicks(Math.Max(usec * 10 / 2, 1));
        notifier.Watchdog();
        ITimer timer = time.CreateTimer(static state => ((SystemdNotifier)state!).Watchdog(), notifier, interval, interval);
        return new SystemdWatchdog(timer, interval);
    }

    public void Dispose() => _timer.Dispose();
}
