using System.Net.Sockets;
using KmsNative.Protocol.Server;

namespace KmsNative.Tests.Server;

public sealed class UnixSocketListenerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kmsnative-listener-").FullName;

    private string SocketPath => Path.Combine(_directory, "kms.socket");

    private static readonly UnixFileMode s_ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Bind_FreshPath_CreatesSocketWithMode0600AndRemovesItOnDispose()
    {
        using (UnixSocketListener listener = UnixSocketListener.Bind(new ListenAddress(SocketPath, false), s_ownerOnly))
        {
            Assert.Equal(FileType.Kind.Socket, FileType.Inspect(SocketPath));
            Assert.Equal(s_ownerOnly, File.GetUnixFileMode(SocketPath));
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(SocketPath));
        }

        Assert.Equal(FileType.Kind.Missing, FileType.Inspect(SocketPath));
    }

    [Fact]
    public void Bind_RequestedMode_IsApplied()
    {
        var mode = s_ownerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
        using UnixSocketListener listener = UnixSocketListener.Bind(new ListenAddress(SocketPath, false), mode);
        Assert.Equal(mode, File.GetUnixFileMode(SocketPath));
    }

    [Fact]
    public void Bind_StaleSocketOfDeadProcess_IsReplaced()
    {
        // A socket file nobody listens on, as a crashed process leaves it. .NET unlinks the path a socket bound on
        // dispose, so bind elsewhere and keep a hard link to the socket inode at the path under test.
        string original = Path.Combine(_directory, "original.socket");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(original));
            using var link = System.Diagnostics.Process.Start("ln", [original, SocketPath]);
            link.WaitForExit();
            Assert.Equal(0, link.ExitCode);
        }

        Assert.Equal(FileType.Kind.Socket, FileType.Inspect(SocketPath));
        using UnixSocketListener listener = UnixSocketListener.Bind(new ListenAddress(SocketPath, false), s_ownerOnly);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(SocketPath));
    }

    [Fact]
    public void Bind_SocketServedByLiveProcess_IsNeverTakenOver()
    {
        using UnixSocketListener first = UnixSocketListener.Bind(new ListenAddress(SocketPath, false), s_ownerOnly);
        var error = Assert.Throws<ListenerException>(() => UnixSocketListener.Bind(new ListenAddress(SocketPath, false), s_ownerOnly));
        Assert.Contains("another process is serving unix socket", error.Message, StringComparison.Ordinal);
        // The first listener still works.
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(SocketPath));
    }

    [Fact]
    public void Bind_PathIsRegularFile_RefusesAndKeepsTheFile()
    {
        File.WriteAllText(SocketPath, "not a socket");
        var error = Assert.Throws<ListenerException>(() => UnixSocketListener.Bind(new ListenAddress(SocketPath, false), s_ownerOnly));
        Assert.Contains("is not a unix socket; refusing to delete it", error.Message, StringComparison.Ordinal);
        Assert.Equal("not a socket", File.ReadAllText(SocketPath));
    }

    [Fact]
    public void Bind_MissingDirectory_SaysWhich()
    {
        string path = Path.Combine(_directory, "missing", "kms.socket");
        var error = Assert.Throws<ListenerException>(() => UnixSocketListener.Bind(new ListenAddress(path, false), s_ownerOnly));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_AbstractName_ListensWithoutAFileAndRefusesASecondBind()
    {
        string name = "kmsnative-test-" + Guid.NewGuid().ToString("N");
        using UnixSocketListener listener = UnixSocketListener.Bind(new ListenAddress(name, true), s_ownerOnly);
        using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            client.Connect(new UnixDomainSocketEndPoint("\0" + name));
        }

        var error = Assert.Throws<ListenerException>(() => UnixSocketListener.Bind(new ListenAddress(name, true), s_ownerOnly));
        Assert.Contains("already in use", error.Message, StringComparison.Ordinal);
    }
}
