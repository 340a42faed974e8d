using System.Reflection;
using System.Runtime.InteropServices;
using KmsNative.Backend;
using KmsNative.KeyVault;
using KmsNative.Kms;
using KmsNative.Protocol.Grpc;
using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Server;

namespace KmsNative;

/// <summary>Flags → socket → backend → serve until SIGTERM/SIGINT → graceful stop. Nothing reusable lives here.</summary>
internal static class Program
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static async Task<int> Main(string[] args)
    {
        // Run socket completions on the socket engine's thread instead of handing each one to a thread-pool worker:
        // handlers never block, and at kube-apiserver's sparse rates every hand-off is a thread wake-up that costs
        // more than the call (docs/performance.md). Read once, when the first socket is created; an operator's own
        // setting wins.
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        OptionsResult parsed = Options.Parse(args);
        if (parsed.Options is not { } options)
        {
            (parsed.ExitCode == 0 ? Console.Out : Console.Error).Write(parsed.Message.EndsWith('\n') ? parsed.Message : parsed.Message + "\n");
            return parsed.ExitCode;
        }

        Log.Configure(options.LogFormatJson, options.Verbosity);
        if (options.PrintVersion)
        {
            Console.Out.Write(BuildInfo.VersionJson + "\n");
            return 0;
        }

        Log.Always("Starting KeyManagementServiceServer service", ("version", BuildInfo.Version), ("backend", options.Backend));

        // Signals are ours from before the socket exists: a SIGTERM that arrives while the backend is being built
        // must still end in a graceful stop (exit 0, socket removed), not the default handler's exit 143.
        var stop = new TaskCompletionSource<PosixSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we exit ourselves, after draining
            stop.TrySetResult(context.Signal);
        }

        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        // The socket first: kube-apiserver can connect at once. Nothing is accepted until the backend exists, and a
        // configuration error removes the socket again before exiting.
        UnixSocketListener listener;
        try
        {
            listener = UnixSocketListener.Bind(options.ListenAddress, options.SocketMode);
        }
        catch (ListenerException ex)
        {
            Log.Error(ex.Message);
            return 1;
        }

        using (listener)
        {
            IKmsBackend backend;
            KeyVaultHealth? health;
            string? waitsFor;
            try
            {
                (backend, health, waitsFor) = CreateBackend(options);
            }
            catch (ConfigurationException ex)
            {
                Log.Error(ex.Message);
                return 1;
            }

            return await ServeAsync(options, backend, health, waitsFor, listener, stop.Task).ConfigureAwait(false);
        }
    }

    private static async Task<int> ServeAsync(Options options, IKmsBackend backend, KeyVaultHealth? health, string? waitsFor, UnixSocketListener listener, Task<PosixSignal> stop)
    {
        var limits = new Http2Limits();
        var binder = new UnaryServiceBinder();
        KmsNative.Kms.V2.KeyManagementService.BindService(binder, new KmsV2Service(backend));
        KmsNative.Kms.V1Beta1.KeyManagementService.BindService(binder, new KmsV1Beta1Service(backend, BuildInfo.Version));
        var grpc = new GrpcDispatcher(binder.Build(), limits.MaxRequestMessageSize, TimeProvider.System, waitsFor);
        grpc.HandlerFailed += (method, exception) => Log.Error("handler failed", ("method", method), ("error", exception.GetType().Name + ": " + exception.Message));
        var server = new Http2Server(listener.Socket, grpc, limits, listener.Address.ToString(), TimeProvider.System);
        server.ConnectionFailed += (_, error) => Log.Info("connection closed on a protocol error", ("code", error.ErrorCode), ("error", error.Message));

        Task accepting = server.AcceptLoopAsync();
        Log.Always("Listening for connections", ("addr", "unix://" + listener.Address));
        // The socket is up first; credentials and key access are checked now, in the background. A failure is logged
        // once and reported through Status, so kube-apiserver sees the reason instead of a crash loop.
        Task? startupCheck = health?.StartAsync();
        PosixSignal signal = await stop.ConfigureAwait(false);

        Log.Always("Shutting down", ("signal", signal), ("gracePeriod", options.ShutdownGracePeriod));
        await server.ShutdownAsync(options.ShutdownGracePeriod).ConfigureAwait(false);
        await accepting.ConfigureAwait(false);
        if (startupCheck is not null)
        {
            await startupCheck.ConfigureAwait(false);
        }

        (backend as IDisposable)?.Dispose();
        return 0;
    }

private static (IKmsBackend Backend, KeyVaultHealth? Health, string? WaitsFor) CreateBackend(Options options)
    {
        if (options.Backend == Options.BackendInMemory)
        {
            Log.Warning("using the in-memory backend: a process-local key that is lost on exit; for tests and benchmarks only");
            return (new InMemoryBackend(options.InMemoryDelay), null, null);
        }

        KeyVaultSetup.Result keyVault = KeyVaultSetup.Create(options, Environment.GetEnvironmentVariable, BuildInfo.Version);
        Log.Always("using kms key for encrypt/decrypt",
            ("vaultURL", keyVault.ClientUri), ("keyName", keyVault.Key.Name), ("keyVersion", keyVault.Key.Version),
            ("keyID", keyVault.Key.KeyIdHash), ("credential", keyVault.CredentialDescription));
        // Said in every DEADLINE_EXCEEDED: the deadline is kube-apiserver's, the wait almost always Key Vault's.
        return (keyVault.Backend, keyVault.Health, $"its calls wait for Key Vault key {keyVault.Key.KeyUrl}");
    }
}

/// <summary>What --version prints, in the Go plugin's JSON shape.</summary>
internal static class BuildInfo
{
    public static string Version { get; } = ReadVersion(out _);

    public static string VersionJson
    {
        get
        {
            ReadVersion(out string commit);
            return $"{{\"BuildVersion\":\"{Version}\",\"GitCommit\":\"{commit}\",\"BuildDate\":\"{BuildDate}\"}}";
        }
    }

    private static string BuildDate =>
        typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "BuildDate")?.Value is { Length: > 0 } date ? date : "unknown";

    private static string ReadVersion(out string commit)
    {
        string informational = typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        commit = plus < 0 ? "unknown" : informational[(plus + 1)..];
        return plus < 0 ? informational : informational[..plus];
    }
}
