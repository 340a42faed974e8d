using KmsNative.Systemd;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Systemd;

public sealed class SystemdWatchdogTests : IDisposable
{
    private const int ProcessId = 4242;
    private readonly NotifySocket _manager = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _manager.Dispose();

    [Fact]
    public void Start_WatchdogUsec_PingsAtOnceThenEveryHalfInterval()
    {
        using SystemdNotifier notifier = Notifier(("WATCHDOG_USEC", "30000000"));

        using SystemdWatchdog? watchdog = SystemdWatchdog.Start(Environment(("WATCHDOG_USEC", "30000000")), notifier, _time, ProcessId);

        Assert.NotNull(watchdog);
        Assert.Equal(TimeSpan.FromSeconds(15), watchdog.Interval);
        Assert.Equal("WATCHDOG=1", _manager.Receive());
        _time.Advance(TimeSpan.FromSeconds(14.9));
        Assert.False(_manager.HasPending);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("WATCHDOG=1", _manager.Receive());
        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal("WATCHDOG=1", _manager.Receive());
    }

    [Fact]
    public void Dispose_StopsPinging()
    {
        using SystemdNotifier notifier = Notifier();
        SystemdWatchdog? watchdog = SystemdWatchdog.Start(Environment(("WATCHDOG_USEC", "2000000")), notifier, _time, ProcessId);
        Assert.Equal("WATCHDOG=1", _manager.Receive());

        watchdog!.Dispose();
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.False(_manager.HasPending);
    }

    [Fact]
    public void Start_WatchdogPidIsThisProcess_Pings()
    {
        using SystemdNotifier notifier = Notifier();

        using SystemdWatchdog? watchdog = SystemdWatchdog.Start(
            Environment(("WATCHDOG_USEC", "1000000"), ("WATCHDOG_PID", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))), notifier, _time, ProcessId);

        Assert.NotNull(watchdog);
        Assert.Equal(TimeSpan.FromMilliseconds(500), watchdog.Interval);
    }

    [Fact]
    public void Start_WatchdogPidOfAnotherProcess_Null()
    {
        using SystemdNotifier notifier = Notifier();

        SystemdWatchdog? watchdog = SystemdWatchdog.Start(Environment(("WATCHDOG_USEC", "1000000"), ("WATCHDOG_PID", "1")), notifier, _time, ProcessId);

        Assert.Null(watchdog);
        Assert.False(_manager.HasPending);
    }

    [Fact]
    public void Start_NoWatchdogUsec_Null()
    {
        using SystemdNotifier notifier = Notifier();

        Assert.Null(SystemdWatchdog.Start(Environment(), notifier, _time, ProcessId));
    }

    [Fact]
    public void Start_NoNotifySocket_Null()
    {
        using SystemdNotifier notifier = SystemdNotifier.Create(_ => null);

        Assert.Null(SystemdWatchdog.Start(name => name == "WATCHDOG_USEC" ? "1000000" : null, notifier, _time, ProcessId));
    }

    [Theory]
    [InlineData("WATCHDOG_USEC", "0")]
    [InlineData("WATCHDOG_USEC", "-5")]
    [InlineData("WATCHDOG_USEC", "30s")]
    [InlineData("WATCHDOG_PID", "self")]
    public void Start_Malformed_ErrorNamesVariable(string name, string value)
    {
        using SystemdNotifier notifier = Notifier();
        (string, string)[] variables = name == "WATCHDOG_USEC" ? [(name, value)] : [("WATCHDOG_USEC", "1000000"), (name, value)];

        ArgumentException error = Assert.Throws<ArgumentException>(() => SystemdWatchdog.Start(Environment(variables), notifier, _time, ProcessId));

        Assert.Contains("$" + name, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    private SystemdNotifier Notifier(params (string Name, string Value)[] more) => SystemdNotifier.Create(Environment(more));

    private Func<string, string?> Environment(params (string Name, string Value)[] more) => SystemdNotifierTests.Environment(_manager.Path, more);
}
