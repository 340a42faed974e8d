using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace KmsNative.Protocol.Server;

/// <summary>
/// Binds the listening unix socket the safe way: a stale socket file left by a dead process is replaced, but a
/// socket that a live process still serves is never taken over (Azure/kubernetes-kms deletes whatever is there),
/// and a path that is not a socket is never deleted. The file is created with the requested mode from the start
/// (umask around bind), so it is never reachable with looser permissions, and removed on dispose.
/// </summary>
internal sealed partial class UnixSocketListener : IDisposable
{
    private readonly ListenAddress _address;
    private readonly bool _ownsPath;
    private bool _disposed;

    private UnixSocketListener(Socket socket, ListenAddress address, bool ownsPath)
    {
        Socket = socket;
        _address = address;
        _ownsPath = ownsPath;
    }

    public Socket Socket { get; }

    public ListenAddress Address => _address;

    /// <summary>True when the socket was bound by someone else (systemd socket activation) and handed to us.</summary>
    public bool IsInherited => !_ownsPath;

    /// <summary>
    /// Serves a socket that another process bound and passed to us (systemd socket activation). The caller's
    /// <paramref name="socket"/> is owned from now on. The socket file belongs to the .socket unit: it is neither
    /// replaced nor removed, so connections queue in it while the service restarts.
    /// </summary>
    /// <exception cref="ListenerException">The socket is not bound to a unix path or abstract name, or is not listening.</exception>
    public static UnixSocketListener Adopt(Socket socket)
    {
        if (socket.LocalEndPoint is not UnixDomainSocketEndPoint { } endPoint || endPoint.ToString() is not { Length: > 0 } name)
        {
            socket.Dispose();
            throw new ListenerException("the inherited socket is not bound to a unix socket path or abstract name");
        }

        if (socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection) is not int listening || listening == 0)
        {
            socket.Dispose();
            throw new ListenerException($"the inherited unix socket {name} is not listening (the .socket unit must use ListenStream=, Accept=no)");
        }

        // UnixDomainSocketEndPoint prints an abstract name with a leading '@'.
        var address = name[0] is '@' or '\0' ? new ListenAddress(name[1..], IsAbstract: true) : new ListenAddress(name, IsAbstract: false);
        return new UnixSocketListener(socket, address, ownsPath: false);
    }

    /// <exception cref="ListenerException">The socket cannot be bound; the message says why and what to do.</exception>
    public static UnixSocketListener Bind(ListenAddress address, UnixFileMode mode, int backlog = 128)
    {
        if (!address.IsAbstract)
        {
            RemoveStaleSocket(address.Path);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // Only the owner bits survive the umask, then chmod sets exactly the requested mode.
            uint previous = Umask(~(uint)mode & 0x1FF);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(address.EndPointPath));
            }
            finally
            {
                _ = Umask(previous);
            }

            if (!address.IsAbstract)
            {
                File.SetUnixFileMode(address.Path, mode);
            }

            socket.Listen(backlog);
            return new UnixSocketListener(socket, address, ownsPath: true);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new ListenerException($"the abstract unix socket {address} is already in use by another process");
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            throw new ListenerException($"cannot listen on unix socket {address}: {ex.Message}");
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Socket.Dispose();
        if (_ownsPath && !_address.IsAbstract)
        {
            try
            {
                if (FileType.Inspect(_address.Path) == FileType.Kind.Socket)
                {
                    File.Delete(_address.Path);
                }
            }
            catch (IOException)
            {
                // Already gone, or the directory went away: nothing left to clean.
            }
        }
    }

    private static void RemoveStaleSocket(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new ListenerException($"cannot listen on unix socket {path}: the directory {directory} does not exist");
        }

        switch (FileType.Inspect(path))
        {
            case FileType.Kind.Missing:
                return;
            case FileType.Kind.Other:
                throw new ListenerException($"{path} exists and is not a unix socket; refusing to delete it (choose another --listen-addr or remove the file)");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nobody accepts on it: a leftover of a process that died without cleaning up.
            File.Delete(path);
            return;
        }

        throw new ListenerException($"another process is serving unix socket {path}; refusing to take it over (stop it, or choose another --listen-addr)");
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);
}
