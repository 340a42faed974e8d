using KmsNative.Kms;
using KmsNative.Protocol.Grpc;
using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Server;

namespace KmsNative.Benchmarks.EndToEnd;

/// <summary>
/// The plugin's server composed as Program.cs composes it (both services, in-memory backend), listening on a
/// real unix socket in a temporary directory.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly UnixSocketListener _listener;
    private readonly Http2Server _server;
    private readonly InMemoryBackend _backend;
    private readonly Task _accepting;

    public InProcessServer()
    {
        _directory = Directory.CreateTempSubdirectory("kmsnative-bench-").FullName;
        SocketPath = Path.Combine(_directory, "kms.sock");
        if (!ListenAddress.TryParse("unix://" + SocketPath, out ListenAddress address, out string error))
        {
            throw new InvalidOperationException(error);
        }

        _listener = UnixSocketListener.Bind(address, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _backend = new InMemoryBackend();
        var limits = new Http2Limits();
        var binder = new UnaryServiceBinder();
        KmsNative.Kms.V2.KeyManagementService.BindService(binder, new KmsV2Service(_backend));
        KmsNative.Kms.V1Beta1.KeyManagementService.BindService(binder, new KmsV1Beta1Service(_backend, "bench"));
        var grpc = new GrpcDispatcher(binder.Build(), limits.MaxRequestMessageSize, TimeProvider.System);
        _server = new Http2Server(_listener.Socket, grpc, limits, SocketPath, TimeProvider.System);
        _accepting = _server.AcceptLoopAsync();
    }

    public string SocketPath { get; }

    public async ValueTask DisposeAsync()
    {
        await _server.ShutdownAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await _accepting.ConfigureAwait(false);
        _listener.Dispose();
        _backend.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
