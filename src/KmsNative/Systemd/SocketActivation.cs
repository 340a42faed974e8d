using System.Globalization;
using System.Net.Sockets;

namespace KmsNative.Systemd;

/// <summary>
/// sd_listen_fds(3) without libsystemd: when $LISTEN_PID is this process and $LISTEN_FDS is 1, file descriptor 3 is
/// a listening socket that the manager (systemd, or <c>systemd-socket-activate</c>) bound and passed to us. The
/// variables are removed afterwards, as sd_listen_fds(1) does, so nothing started later believes they are its own.
/// </summary>
internal static class SocketActivation
{
    public const string ListenPidVariable = "LISTEN_PID";
    public const string ListenFdsVariable = "LISTEN_FDS";
    public const string ListenFdNamesVariable = "LISTEN_FDNAMES";

    /// <summary>SD_LISTEN_FDS_START: the first passed descriptor.</summary>
    public const int FirstDescriptor = 3;

    /// <summary>
    /// The number of descriptors passed to <paramref name="processId"/>: 0 when not socket-activated (no variables,
    /// or they name another process).
    /// </summary>
    /// <exception cref="ArgumentException">A variable is malformed, or more than one socket was passed.</exception>
    public static int CountPassed(Func<string, string?> environment, int processId)
    {
        string? pidText = environment(ListenPidVariable);
        string? fdsText = environment(ListenFdsVariable);
        if (string.IsNullOrEmpty(pidText) || string.IsNullOrEmpty(fdsText))
        {
            return 0;
        }

        if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            throw new ArgumentException($"${ListenPidVariable} must be a process id, not '{pidText}'");
        }

        if (pid != processId)
        {
            return 0;
        }

        if (!int.TryParse(fdsText, NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            throw new ArgumentException($"${ListenFdsVariable} must be a number of descriptors, not '{fdsText}'");
        }

        if (count > 1)
        {
            throw new ArgumentException(
                $"systemd passed {count} sockets (${ListenFdsVariable}); kmsnative serves one: give the .socket unit one ListenStream=");
        }

        return count;
    }

    /// <summary>Removes LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES from this process's environment.</summary>
    public static void ClearEnvironment()
    {
        Environment.SetEnvironmentVariable(ListenPidVariable, null);
        Environment.SetEnvironmentVariable(ListenFdsVariable, null);
        Environment.SetEnvironmentVariable(ListenFdNamesVariable, null);
    }

    /// <summary>
    /// Wraps descriptor 3 as a <see cref="Socket"/> (which then owns it) and checks that it is a listening unix
    /// stream socket: a TCP or datagram socket in the .socket unit would otherwise fail at the first accept.
    /// </summary>
    /// <exception cref="ArgumentException">Descriptor 3 is not a unix stream socket.</exception>
    public static Socket Adopt(int descriptor = FirstDescriptor)
    {
        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(descriptor, ownsHandle: true));
        }
        catch (SocketException ex)
        {
            throw new ArgumentException($"descriptor {descriptor} passed by systemd is not a socket: {ex.Message}", ex);
        }

        if (socket.AddressFamily != AddressFamily.Unix || socket.SocketType != SocketType.Stream)
        {
            string kind = $"{socket.AddressFamily}/{socket.SocketType}";
            socket.Dispose();
            throw new ArgumentException(
                $"descriptor {descriptor} passed by systemd is a {kind} socket; kmsnative needs a unix stream socket (ListenStream=/path in the .socket unit)");
        }

        return socket;
    }
}
