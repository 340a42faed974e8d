using KmsNative.Systemd;

namespace KmsNative.Tests.Systemd;

public sealed class SystemdNotifierTests : IDisposable
{
    private readonly NotifySocket _manager = new();

    public void Dispose() => _manager.Dispose();

    [Fact]
    public void Ready_NotifySocketSet_SendsReadyStatusAndMainPid()
    {
        using SystemdNotifier notifier = SystemdNotifier.Create(Environment(_manager.Path));

        notifier.Ready("Serving on unix:///run/kmsnative/kms.socket");

        Assert.True(notifier.IsEnabled);
        Assert.Equal($"READY=1\nSTATUS=Serving on unix:///run/kmsnative/kms.socket\nMAINPID={System.Environment.ProcessId}", _manager.Receive());
    }

    [Fact]
    public void StatusStoppingWatchdog_EachOneDatagram()
    {
        using SystemdNotifier notifier = SystemdNotifier.Create(Environment(_manager.Path));

        notifier.Status("checking Key Vault");
        notifier.Stopping("Shutting down after SIGTERM");
        notifier.Watchdog();

        Assert.Equal("STATUS=checking Key Vault", _manager.Receive());
        Assert.Equal("STOPPING=1\nSTATUS=Shutting down after SIGTERM", _manager.Receive());
        Assert.Equal("WATCHDOG=1", _manager.Receive());
    }

    [Fact]
    public void Create_AbstractSocket_SendsThere()
    {
        string name = $"kmsnative-test-{Guid.NewGuid():N}";
        using var manager = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        manager.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint("\0" + name));
        manager.ReceiveTimeout = 10_000;
        using SystemdNotifier notifier = SystemdNotifier.Create(Environment("@" + name));

        notifier.Watchdog();

        var buffer = new byte[64];
        int count = manager.Receive(buffer);
        Assert.Equal("WATCHDOG=1", System.Text.Encoding.UTF8.GetString(buffer, 0, count));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Create_NoNotifySocket_DisabledAndSilent(string? value)
    {
        using SystemdNotifier notifier = SystemdNotifier.Create(_ => value);

        notifier.Ready("ready");
        notifier.Watchdog();

        Assert.False(notifier.IsEnabled);
    }

    [Fact]
    public void Create_RelativePath_ErrorNamesVariable()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => SystemdNotifier.Create(Environment("run/notify")));

        Assert.Contains("$NOTIFY_SOCKET", error.Message, StringComparison.Ordinal);
        Assert.Contains("run/notify", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Send_ManagerGone_DoesNotThrow()
    {
        string path = _manager.Path + "-missing";
        using SystemdNotifier notifier = SystemdNotifier.Create(Environment(path));

        notifier.Ready("ready");
        notifier.Stopping("stopping");
    }

    internal static Func<string, string?> Environment(string notifySocket, params (string Name, string Value)[] more) => name =>
        name == SystemdNotifier.NotifySocketVariable ? notifySocket : more.FirstOrDefault(v => v.Name == name).Value;
}
