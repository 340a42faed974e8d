using System.Net.Sockets;
using System.Runtime.InteropServices;
using KmsNative.Protocol.Server;
using KmsNative.Systemd;

namespace KmsNative.Tests.Systemd;

public sealed class SocketActivationTests : IDisposable
{
    private const int ProcessId = 4242;
    private readonly string _directory = Directory.CreateTempSubdirectory("kmsnative-activation-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void CountPassed_OneSocketForThisProcess_One()
    {
        Assert.Equal(1, SocketActivation.CountPassed(Variables(("LISTEN_PID", "4242"), ("LISTEN_FDS", "1")), ProcessId));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("4242", null)]
    [InlineData(null, "1")]
    [InlineData("1", "1")] // passed to another process (our parent, before it exec'd something else)
    [InlineData("4242", "0")]
    public void CountPassed_NotActivated_Zero(string? pid, string? fds)
    {
        Assert.Equal(0, SocketActivation.CountPassed(Variables(("LISTEN_PID", pid), ("LISTEN_FDS", fds)), ProcessId));
    }

    [Theory]
    [InlineData("x", "1", "$LISTEN_PID")]
    [InlineData("4242", "one", "$LISTEN_FDS")]
    [InlineData("4242", "2", "one ListenStream=")]
    public void CountPassed_Malformed_Error(string pid, string fds, string expected)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(
            () => SocketActivation.CountPassed(Variables(("LISTEN_PID", pid), ("LISTEN_FDS", fds)), ProcessId));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adopt_ListeningUnixStreamSocket_ServesItAndLeavesTheFileOnDispose()
    {
        string path = Path.Combine(_directory, "kms.socket");
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(path));
        bound.Listen();

        using (UnixSocketListener listener = UnixSocketListener.Adopt(SocketActivation.Adopt(Dup(bound))))
        {
            Assert.True(listener.IsInherited);
            Assert.Equal(new ListenAddress(path, false), listener.Address);
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
            using Socket accepted = listener.Socket.Accept();
        }

        // The .socket unit owns the file: it stays for the next start of the service.
        Assert.Equal(FileType.Kind.Socket, FileType.Inspect(path));
    }

    [Fact]
    public void Adopt_TcpSocket_ErrorSaysUnixStreamNeeded()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        ArgumentException error = Assert.Throws<ArgumentException>(() => SocketActivation.Adopt(Dup(tcp)));

        Assert.Contains("unix stream socket", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adopt_DatagramSocket_ErrorSaysUnixStreamNeeded()
    {
        using var datagram = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        ArgumentException error = Assert.Throws<ArgumentException>(() => SocketActivation.Adopt(Dup(datagram)));

        Assert.Contains("ListenStream=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adopt_NotListening_ListenerErrorSaysAcceptNo()
    {
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "idle.socket")));

        ListenerException error = Assert.Throws<ListenerException>(() => UnixSocketListener.Adopt(SocketActivation.Adopt(Dup(bound))));

        Assert.Contains("not listening", error.Message, StringComparison.Ordinal);
    }

    private static Func<string, string?> Variables(params (string Name, string? Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    /// <summary>A second descriptor for <paramref name="socket"/>, which Adopt then owns.</summary>
    private static int Dup(Socket socket)
    {
        int descriptor = NativeDup((int)socket.Handle);
        Assert.True(descriptor >= 0, $"dup failed: errno {Marshal.GetLastPInvokeError()}");
        return descriptor;
    }

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NativeDup(int descriptor);
}
