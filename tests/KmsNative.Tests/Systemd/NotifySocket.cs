using System.Net.Sockets;
using System.Text;

namespace KmsNative.Tests.Systemd;

/// <summary>The manager's end of $NOTIFY_SOCKET: a datagram socket bound in a temp directory that tests read from.</summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("kmsnative-notify-");
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public NotifySocket()
    {
        Path = System.IO.Path.Combine(_directory.FullName, "notify");
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
    }

    public string Path { get; }

    /// <summary>The next datagram; fails the test after 10 s rather than hanging it.</summary>
    public string Receive()
    {
        _socket.ReceiveTimeout = 10_000;
        var buffer = new byte[4096];
        int count = _socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, count);
    }

    /// <summary>True when a datagram is queued now, without waiting.</summary>
    public bool HasPending => _socket.Available > 0;

    public void Dispose()
    {
        _socket.Dispose();
        _directory.Delete(recursive: true);
    }
}
