using System.Net.Sockets;
using KmsNative.Http2Testing;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Server;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// The plugin's server as <see cref="KmsServer"/> composes it for Program (KMS v2 and v1beta1 over an
/// <see cref="InMemoryBackend"/>), on a socket in a fresh temporary directory. Limits may be lowered for a test.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly UnixSocketListener _listener;
    private readonly KmsServer _server;

    private InProcessServer(string directory, UnixSocketListener listener, KmsServer server)
    {
        _directory = directory;
        _listener = listener;
        _server = server;
        server.Dispatcher.HandlerFailed += (_, exception) => { lock (HandlerFailures) { HandlerFailures.Add(exception); } };
        server.Http2.ConnectionFailed += (_, error) => { lock (ConnectionErrors) { ConnectionErrors.Add(error); } };
    }

    public Http2Server Server => _server.Http2;

    public List<Http2ConnectionException> ConnectionErrors { get; } = [];

    public List<Exception> HandlerFailures { get; } = [];

    public string SocketPath => _listener.Address.Path;

    /// <param name="backend">Defaults to a fresh <see cref="InMemoryBackend"/>; the server stops it.</param>
    /// <param name="time">The server's clock (deadlines, timeouts, grace period); defaults to the system clock.</param>
    /// <param name="log">Where the server logs; discarded when null.</param>
    /// <param name="yieldSlice">What a connection awaits when it gives its thread up after a slice of work; <see cref="Task.Yield"/> when null.</param>
    public static InProcessServer Start(Http2Limits? limits = null, IKmsBackend? backend = null, TimeProvider? time = null, IKmsLog? log = null,
        Func<Task>? yieldSlice = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "kmsn-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var listener = UnixSocketListener.Bind(new ListenAddress(Path.Combine(directory, "kms.sock"), IsAbstract: false),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var server = KmsServer.Start(listener.Socket, listener.Address.ToString(), backend ?? new InMemoryBackend(), log ?? NullKmsLog.Instance, "test", limits, time: time, yieldSlice: yieldSlice);
        return new InProcessServer(directory, listener, server);
    }

    public async Task<Http2TestPeer> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        return new Http2TestPeer(new NetworkStream(socket, ownsSocket: true));
    }

    /// <summary>A connection past the preface exchange, ready for requests.</summary>
    public async Task<Http2TestPeer> ConnectHandshakenAsync()
    {
        Http2TestPeer peer = await ConnectAsync();
        await peer.SendPrefaceAsync();
        await peer.ReadUntilAsync(f => f.Type == FrameType.Settings && f.HasFlag(FrameFlags.Ack));
        return peer;
    }

    /// <summary>Waits (bounded) until every connection has ended and been removed from the server.</summary>
    public bool WaitForNoConnections() => SpinWait.SpinUntil(() => Server.ConnectionCount == 0, Http2TestPeer.Timeout);

    public async ValueTask DisposeAsync()
    {
        await _server.ShutdownAsync(TimeSpan.FromSeconds(2));
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
