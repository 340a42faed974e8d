using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using KmsNative.Backend;
using KmsNative.KeyVault;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.Observability;
using KmsNative.Memory;
using KmsNative.Protocol.Server;
using KmsNative.Systemd;

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

        // Two malloc arenas instead of up to 8 per core (ResidentSet.LimitMallocArenas); glibc has read an
        // operator's MALLOC_ARENA_MAX already, and it wins.
        if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null)
        {
            _ = ResidentSet.LimitMallocArenas(2);
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

        if (options.Check)
        {
            return await Check.PreflightCheck.RunAsync(options, Environment.GetEnvironmentVariable, Console.Out).ConfigureAwait(false);
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

        // Under systemd (Type=notify): READY=1 once serving, STATUS= lines, STOPPING=1, and the watchdog.
        SystemdNotifier notifier;
        try
        {
            notifier = SystemdNotifier.Create(Environment.GetEnvironmentVariable);
        }
        catch (ArgumentException ex)
        {
            Log.Error(ex.Message);
            return 1;
        }

        // The socket first: kube-apiserver can connect at once. Nothing is accepted until the backend exists, and a
        // configuration error removes the socket again before exiting.
        UnixSocketListener listener;
        try
        {
            listener = OpenListener(options);
        }
        catch (Exception ex) when (ex is ListenerException or ArgumentException)
        {
            Log.Error(ex.Message);
            notifier.Dispose();
            return 1;
        }

        using (notifier)
        using (listener)
        {
            var metrics = new KmsMetrics();
            IKmsBackend backend;
            try
            {
                backend = CreateBackend(options, metrics);
            }
            catch (ConfigurationException ex)
            {
                Log.Error(ex.Message);
                return 1;
            }

            // The socket is up first; credentials and key access are checked now, in the background (Start). A
            // failure is logged once and reported through Status, so kube-apiserver sees the reason instead of a
            // crash loop.
            var server = KmsServer.Start(listener.Socket, listener.Address.ToString(), backend, ConsoleLog.Instance, BuildInfo.Version, options.ServerLimits, metrics: metrics);
            Log.Always("Listening for connections", ("addr", "unix://" + listener.Address), ("socketActivated", listener.IsInherited));

            // Health and metrics after the socket, as the Go plugin; a port we cannot bind is fatal there too.
            OpsEndpoints endpoints;
            try
            {
                endpoints = StartEndpoints(options, server, listener);
            }
            catch (ListenerException ex)
            {
                Log.Error(ex.Message);
                await server.ShutdownAsync(TimeSpan.Zero).ConfigureAwait(false);
                return 1;
            }

            notifier.Ready($"Serving KMS v2 and v1beta1 on unix://{listener.Address}");
            Task<IdleTrimmer> trimmer = TrimAfterStartupAsync(server, metrics);
            SystemdWatchdog? watchdog;
            try
            {
                watchdog = SystemdWatchdog.Start(Environment.GetEnvironmentVariable, notifier, TimeProvider.System, Environment.ProcessId);
            }
            catch (ArgumentException ex)
            {
                // A malformed WATCHDOG_USEC is the unit's mistake; serving without pings lets systemd restart us and
                // say why in the journal.
                Log.Error(ex.Message);
                watchdog = null;
            }

            PosixSignal signal = await stop.Task.ConfigureAwait(false);

            Log.Always("Shutting down", ("signal", signal), ("gracePeriod", options.ShutdownGracePeriod));
            notifier.Stopping($"Shutting down after {signal}: draining calls in flight for up to {options.ShutdownGracePeriod.TotalSeconds:0.###} s");
            watchdog?.Dispose();
            if (trimmer.IsCompletedSuccessfully)
            {
                trimmer.Result.Dispose();
            }

            await endpoints.DisposeAsync().ConfigureAwait(false);
            await server.ShutdownAsync(options.ShutdownGracePeriod).ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>
    /// Once the backend's first check is done (the Key Vault backend's Status waits for it; its token, TLS and JSON
    /// code has run by then), start-up is over and what only it used leaves the resident set; after that, again
    /// after each burst of calls (<see cref="ResidentSet"/>, <see cref="IdleTrimmer"/>). The server's buffer pool is
    /// emptied first, so the one collection frees its arrays too (its own trimmer, 30 s after the last rent, then
    /// finds nothing to do).
    /// </summary>
    private static async Task<IdleTrimmer> TrimAfterStartupAsync(KmsServer server, KmsMetrics metrics)
    {
        await server.Backend.GetStatusAsync(CancellationToken.None).ConfigureAwait(false);
        Trim("start-up");
        return new IdleTrimmer(() => metrics.Requests.EncryptsAndDecrypts, () => Trim("burst of calls"), TimeProvider.System,
            IdleTrimmer.DefaultQuietPeriod, IdleTrimmer.DefaultCheckInterval);

        void Trim(string after)
        {
            long pooled = server.Http2.Pool.Trim();
            long released = ResidentSet.Trim();
            Log.Info("Memory trimmed", ("after", after), ("pooledBytesDropped", pooled), ("fileMappingBytesReleased", released));
        }
    }

    private static OpsEndpoints StartEndpoints(Options options, KmsServer server, UnixSocketListener listener)
    {
        var endpointOptions = new OpsEndpointOptions
        {
            HealthzPort = options.HealthzListenPort,
            HealthzPath = options.HealthzPath,
            HealthzTimeout = options.HealthzTimeout,
            MetricsPort = options.MetricsPort,
        };
        OpsEndpoints endpoints = OpsEndpoints.Start(endpointOptions, server, new UnixDomainSocketEndPoint(listener.Address.EndPointPath),
            ConsoleLog.Instance, BuildInfo.Version);
        if (endpoints.HealthzPort is { } healthz)
        {
            Log.Always("Serving health checks", ("addr", ":" + healthz.ToString(CultureInfo.InvariantCulture)), ("path", options.HealthzPath));
        }

        if (endpoints.MetricsPort is { } metrics)
        {
            Log.Always("Serving metrics", ("addr", ":" + metrics.ToString(CultureInfo.InvariantCulture)), ("path", endpointOptions.MetricsPath));
        }

        return endpoints;
    }

    /// <summary>
    /// The socket systemd passed (socket activation: LISTEN_PID is us and LISTEN_FDS is 1), or a new one bound at
    /// --listen-addr.
    /// </summary>
    private static UnixSocketListener OpenListener(Options options)
    {
        if (SocketActivation.CountPassed(Environment.GetEnvironmentVariable, Environment.ProcessId) == 0)
        {
            return UnixSocketListener.Bind(options.ListenAddress, options.SocketMode);
        }

        SocketActivation.ClearEnvironment();
        UnixSocketListener inherited = UnixSocketListener.Adopt(SocketActivation.Adopt());
        if (inherited.Address != options.ListenAddress)
        {
            // The .socket unit decides where the socket is; the flag is kept for the same command line to work without systemd.
            Log.Warning("serving the socket passed by systemd, not --listen-addr",
                ("socket", "unix://" + inherited.Address), ("listenAddr", "unix://" + options.ListenAddress));
        }

        return inherited;
    }

    private static IKmsBackend CreateBackend(Options options, KmsMetrics metrics)
    {
        if (options.Backend == Options.BackendInMemory)
        {
            Log.Warning("using the in-memory backend: a process-local key that is lost on exit; for tests and benchmarks only");
            return new InMemoryBackend(options.InMemoryDelay);
        }

        KeyVaultSetup.Result keyVault = KeyVaultSetup.Create(options, Environment.GetEnvironmentVariable, BuildInfo.Version, ConsoleLog.Instance, metrics: metrics.KeyVault);
        // Without --key-version the version (and so the key id) is only known after the first background check,
        // which logs it; an empty keyVersion and the hash of a versionless URL here would mislead.
        bool pinned = keyVault.Key.Version.Length > 0;
        Log.Always("using kms key for encrypt/decrypt",
            ("vaultURL", keyVault.ClientUri), ("keyName", keyVault.Key.Name),
            ("keyVersion", pinned ? keyVault.Key.Version : "latest enabled (looked up in the background)"),
            ("keyID", pinned ? keyVault.Key.KeyIdHash : "after the first check"), ("credential", keyVault.CredentialDescription));
        return keyVault.Backend;
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
