using System.Net;
using System.Net.Sockets;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.Observability;
using KmsNative.Protocol.Http1;
using KmsNative.Protocol.Server;

namespace KmsNative.Tests.Observability;

/// <summary>
/// The plugin as Program composes it: the gRPC socket (KmsServer) plus the health and metrics endpoints on loopback
/// ports chosen by the kernel (port 0), with an injectable clock and log.
/// </summary>
internal sealed class OpsServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly UnixSocketListener _listener;

    private OpsServer(string directory, UnixSocketListener listener, KmsServer server, OpsEndpoints endpoints)
    {
        _directory = directory;
        _listener = listener;
        Server = server;
        Endpoints = endpoints;
        Client = new KmsSocketClient(new UnixDomainSocketEndPoint(listener.Address.Path));
    }

    public KmsServer Server { get; }

    public OpsEndpoints Endpoints { get; }

    /// <summary>A gRPC client over the plugin's socket, as kube-apiserver calls it.</summary>
    public KmsSocketClient Client { get; }

    public int HealthzPort => Endpoints.HealthzPort!.Value;

    public int MetricsPort => Endpoints.MetricsPort!.Value;

    public static OpsServer Start(IKmsBackend? backend = null, IKmsLog? log = null, TimeProvider? time = null, Http1Limits? limits = null,
                                  OpsEndpointOptions? options = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "kmso-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var listener = UnixSocketListener.Bind(new ListenAddress(Path.Combine(directory, "kms.sock"), IsAbstract: false),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);
        log ??= NullKmsLog.Instance;
        var server = KmsServer.Start(listener.Socket, listener.Address.ToString(), backend ?? new InMemoryBackend(), log, "test", time: time);
        options ??= new OpsEndpointOptions { HealthzPort = 0, MetricsPort = 0 };
        OpsEndpoints endpoints = OpsEndpoints.Start(options, server, new UnixDomainSocketEndPoint(listener.Address.Path), log, "test", limits, time);
        return new OpsServer(directory, listener, server, endpoints);
    }

    public static async Task<(int Status, string Body)> GetAsync(int port, string pathAndQuery)
    {
        using var http = new HttpClient();
        using HttpResponseMessage response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{pathAndQuery}"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A raw TCP connection to <paramref name="port"/> on loopback.</summary>
    public static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return socket;
    }

    public async ValueTask DisposeAsync()
    {
        await Endpoints.DisposeAsync();
        Client.Dispose();
        await Server.ShutdownAsync(TimeSpan.FromSeconds(2));
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
