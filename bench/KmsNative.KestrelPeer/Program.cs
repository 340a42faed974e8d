using KmsNative.Kms;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace KmsNative.KestrelPeer;

/// <summary>
/// The same two KMS services and in-memory backend as kmsnative, served by Kestrel + Grpc.AspNetCore on a unix
/// socket, HTTP/2 only. Takes kmsnative's --listen-addr flag so the benchmark driver starts both the same way.
/// </summary>
internal static class Program
{
    private const string UnixScheme = "unix://";

    private static int Main(string[] args)
    {
        string? socketPath = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value = null;
            if (arg.StartsWith("--listen-addr=", StringComparison.Ordinal))
            {
                value = arg["--listen-addr=".Length..];
            }
            else if (arg == "--listen-addr" && i + 1 < args.Length)
            {
                value = args[++i];
            }

            if (value is not null && value.StartsWith(UnixScheme, StringComparison.Ordinal))
            {
                socketPath = value[UnixScheme.Length..];
            }
        }

        if (socketPath is null)
        {
            Console.Error.WriteLine("usage: kestrel-peer --listen-addr unix:///absolute/path.sock");
            return 2;
        }

        if (File.Exists(socketPath))
        {
            File.Delete(socketPath);
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ListenUnixSocket(socketPath, listen => listen.Protocols = HttpProtocols.Http2);
        });

        var backend = new InMemoryBackend();
        builder.Services.AddSingleton<IKmsBackend>(backend);
        builder.Services.AddSingleton(new KmsV2Service(backend));
        builder.Services.AddSingleton(new KmsV1Beta1Service(backend, "0.1.0"));
        builder.Services.AddGrpc();

        WebApplication app = builder.Build();
        app.MapGrpcService<KmsV2Service>();
        app.MapGrpcService<KmsV1Beta1Service>();
        app.Run();
        backend.Dispose();
        return 0;
    }
}
