using System.Net.Sockets;
using KmsNative.Kms;
using KmsNative.Protocol.Grpc;
using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Server;
using KmsNative.Http2Testing;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// The server as Program.ServeAsync composes it (UnixSocketListener → Http2Server → GrpcDispatcher → KMS v2 and v1beta1
/// over InMemoryBackend), on a socket in a fresh temporary directory. Limits may be lowered for a test.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly UnixSocketListener _listener;
    private readonly IDisposable _backend;
    private readonly Task _accepting;

    private InProcessServer(string directory, UnixSocketListener listener, IDisposable backend, Http2Server server)
    {
        _directory = directory;
        _listener = listener;
        _backend = backend;
        Server = server;
        _accepting = server.AcceptLoopAsync();
    }

    public Http2Server Server { get; }

    public List<Http2ConnectionException> ConnectionErrors { get; } = [];

    public List<Exception> HandlerFailures { get; } = [];

    public string SocketPath => _listener.Address.Path;

    /// <param name="backend">Defaults to a fresh <see cref="InMemoryBackend"/>; the server disposes it.</param>
    /// <param name="deadlineDetail">What the plugin appends to DEADLINE_EXCEEDED messages (GrpcDispatcher's parameter).</param>
    /// <param name="time">The server's clock (deadlines, timeouts, grace period); defaults to the system clock.</param>
    public static InProcessServer Start(Http2Limits? limits = null, InMemoryBackend? backend = null, string? deadlineDetail = null, TimeProvider? time = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "kmsn-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var listener = UnixSocketListener.Bind(new ListenAddress(Path.Combine(directory, "kms.sock"), IsAbstract: false),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);

        limits ??= new Http2Limits();
        backend ??= new InMemoryBackend();
        var binder = new UnaryServiceBinder();
        global::KmsNative.Kms.V2.KeyManagementService.BindService(binder, new KmsV2Service(backend));
        global::KmsNative.Kms.V1Beta1.KeyManagementService.BindService(binder, new KmsV1Beta1Service(backend, "test"));
        var grpc = new GrpcDispatcher(binder.Build(), limits.MaxRequestMessageSize, time ?? TimeProvider.System, deadlineDetail);
        var server = new Http2Server(listener.Socket, grpc, limits, listener.Address.ToString(), time ?? TimeProvider.System);
        var instance = new InProcessServer(directory, listener, backend, server);
        grpc.HandlerFailed += (_, exception) => { lock (instance.HandlerFailures) { instance.HandlerFailures.Add(exception); } };
        server.ConnectionFailed += (_, error) => { lock (instance.ConnectionErrors) { instance.ConnectionErrors.Add(error); } };
        return instance;
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
        await Server.ShutdownAsync(TimeSpan.FromSeconds(2));
        await _accepting;
        _listener.Dispose();
        _backend.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
