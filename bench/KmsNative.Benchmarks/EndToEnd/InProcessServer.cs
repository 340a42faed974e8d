using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Protocol.Server;

namespace KmsNative.Benchmarks.EndToEnd;

/// <summary>
/// The plugin's server as <see cref="KmsServer"/> composes it for Program (both services, in-memory backend),
/// listening on a real unix socket in a temporary directory.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly UnixSocketListener _listener;
    private readonly KmsServer _server;

    public InProcessServer()
    {
        _directory = Directory.CreateTempSubdirectory("kmsnative-bench-").FullName;
        SocketPath = Path.Combine(_directory, "kms.sock");
        if (!ListenAddress.TryParse("unix://" + SocketPath, out ListenAddress address, out string error))
        {
            throw new InvalidOperationException(error);
        }

        _listener = UnixSocketListener.Bind(address, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _server = KmsServer.Start(_listener.Socket, SocketPath, new InMemoryBackend(), NullKmsLog.Instance, "bench");
    }

    public string SocketPath { get; }

    public async ValueTask DisposeAsync()
    {
        await _server.ShutdownAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
