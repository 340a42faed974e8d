using System.Net.Sockets;
using System.Text;

namespace KmsNative.Systemd;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram per state change to the AF_UNIX socket named by $NOTIFY_SOCKET
/// (a path, or "@name" for an abstract socket). Without $NOTIFY_SOCKET (not started by systemd, or
/// <c>Type=</c> is not notify) every call does nothing. A send that fails is ignored, as sd_notify's callers ignore
/// it: the service must keep serving when the manager is gone. Thread-safe.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;

    private SystemdNotifier(Socket? socket, UnixDomainSocketEndPoint? endPoint)
    {
        _socket = socket;
        _endPoint = endPoint;
    }

    /// <summary>True when $NOTIFY_SOCKET named a socket: the messages go somewhere.</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary>A notifier for $NOTIFY_SOCKET in <paramref name="environment"/>, or a disabled one when it is unset or empty.</summary>
    /// <exception cref="ArgumentException">$NOTIFY_SOCKET is neither an absolute path nor "@name".</exception>
    public static SystemdNotifier Create(Func<string, string?> environment)
    {
        string? address = environment(NotifySocketVariable);
        if (string.IsNullOrEmpty(address))
        {
            return new SystemdNotifier(null, null);
        }

        // sd_notify: '@' is the abstract namespace; anything else must be an absolute path.
        if (address[0] is not ('/' or '@'))
        {
            throw new ArgumentException($"${NotifySocketVariable} must be an absolute path or @name, not '{address}'");
        }

        string path = address[0] == '@' ? "\0" + address[1..] : address;
        return new SystemdNotifier(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified), new UnixDomainSocketEndPoint(path));
    }

    /// <summary>READY=1 with a STATUS= line: startup is complete and the socket is served.</summary>
    public void Ready(string status) => Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");

    /// <summary>STATUS=: a one-line description that <c>systemctl status</c> shows.</summary>
    public void Status(string status) => Send("STATUS=" + status);

    /// <summary>STOPPING=1 with a STATUS= line: a graceful shutdown has begun.</summary>
    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={status}");

    /// <summary>WATCHDOG=1: the service is alive.</summary>
    public void Watchdog() => Send("WATCHDOG=1");

    public void Dispose() => _socket?.Dispose();

    /// <summary>Sends one datagram of newline-separated assignments. Newlines inside a value would start a new assignment, so callers pass one-line values.</summary>
    internal void Send(string message)
    {
        if (_socket is null)
        {
            return;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), SocketFlags.None, _endPoint!);
        }
        catch (SocketException)
        {
            // The manager went away or the socket is full: systemd's own sd_notify callers carry on too.
        }
        catch (ObjectDisposedException)
        {
            // A watchdog tick racing shutdown.
        }
    }
}
