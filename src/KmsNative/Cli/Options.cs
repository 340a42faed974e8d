using System.Globalization;
using System.Text;
using KmsNative.Cli;
using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Server;

namespace KmsNative;

/// <summary>
/// The command line. Flag names, types and defaults are Azure/kubernetes-kms v0.11.0's, so its manifests run
/// unchanged; the flags after the "KmsNative" comment are ours.
/// </summary>
internal sealed record Options
{
    public const string BackendKeyVault = "azure-keyvault";
    public const string BackendInMemory = "in-memory";

    public ListenAddress ListenAddress { get; init; }
    public string KeyVaultName { get; init; } = "";
    public string KeyName { get; init; } = "";
    public string KeyVersion { get; init; } = "";
    public bool ManagedHsm { get; init; }
    public bool LogFormatJson { get; init; }
    public int Verbosity { get; init; }
    public string ConfigFilePath { get; init; } = "/etc/kubernetes/azure.json";
    public bool PrintVersion { get; init; }
    public int HealthzPort { get; init; } = 8787;
    public string HealthzPath { get; init; } = "/healthz";
    public TimeSpan HealthzTimeout { get; init; } = TimeSpan.FromSeconds(20);
    public string MetricsBackend { get; init; } = "prometheus";
    public string MetricsAddress { get; init; } = "8095";
    public bool ProxyMode { get; init; }
    public string ProxyAddress { get; init; } = "";
    public int ProxyPort { get; init; } = 7788;
    public string Backend { get; init; } = BackendKeyVault;
    public TimeSpan InMemoryDelay { get; init; }
    public UnixFileMode SocketMode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(10);
    public bool DisableHealthz { get; init; }
    public bool DisableMetrics { get; init; }

    /// <summary>--metrics-addr as a port (the Go plugin listens on ":" + value), or null when metrics are off.</summary>
    public int? MetricsPort => DisableMetrics ? null : int.Parse(MetricsAddress, NumberStyles.None, CultureInfo.InvariantCulture);

    public int? HealthzListenPort => DisableHealthz ? null : HealthzPort;
    public bool Check { get; init; }
    // Key Vault backend: DEK cache, rotation, local encrypt, rate limit (issue #9)
    public int DekCacheSize { get; init; } = 10_000;
    public TimeSpan DekCacheTtl { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan KeyRecheckInterval { get; init; } = TimeSpan.FromMinutes(5);
    public bool LocalEncrypt { get; init; } = true;
    public int KeyVaultRateLimit { get; init; } = 50;
    // Hardening (issue #8): what one client may make the server hold
    public Http2Limits ServerLimits { get; init; } = new();

    public static GoFlagSet CreateFlagSet()
    {
        var flags = new GoFlagSet();
        flags.Define("listen-addr", GoFlagSet.Kind.String, "unix:///opt/azurekms.socket", "gRPC listen address: unix:///path, or unix:///@name for an abstract socket");
        flags.Define("keyvault-name", GoFlagSet.Kind.String, "", "Azure Key Vault name");
        flags.Define("key-name", GoFlagSet.Kind.String, "", "Azure Key Vault KMS key name");
        flags.Define("key-version", GoFlagSet.Kind.String, "", "Azure Key Vault KMS key version; when omitted, the latest enabled version, followed as it rotates");
        flags.Define("managed-hsm", GoFlagSet.Kind.Bool, "false", "Azure Key Vault Managed HSM");
        flags.Define("log-format-json", GoFlagSet.Kind.Bool, "false", "set log formatter to json");
        flags.Define("v", GoFlagSet.Kind.Uint, "0", "log verbosity: 0=warning/error, 2=info, 4=debug, 6=trace");
        flags.Define("configFilePath", GoFlagSet.Kind.String, "/etc/kubernetes/azure.json", "[DEPRECATED] use --config-file-path; accepted and ignored, as by the Go plugin");
        flags.Define("config-file-path", GoFlagSet.Kind.String, "/etc/kubernetes/azure.json", "path for the cloud provider config file (azure.json)");
        flags.Define("version", GoFlagSet.Kind.Bool, "false", "print the version and exit");
        flags.Define("healthz-port", GoFlagSet.Kind.Uint, "8787", "port for the health check");
        flags.Define("healthz-path", GoFlagSet.Kind.String, "/healthz", "path for the health check");
        flags.Define("healthz-timeout", GoFlagSet.Kind.Duration, "20s", "RPC timeout for the health check");
        flags.Define("metrics-backend", GoFlagSet.Kind.String, "prometheus", "backend used for metrics");
        flags.Define("metrics-addr", GoFlagSet.Kind.String, "8095", "the port the metrics endpoint binds to");
        flags.Define("proxy-mode", GoFlagSet.Kind.Bool, "false", "proxy mode");
        flags.Define("proxy-address", GoFlagSet.Kind.String, "", "proxy address");
        flags.Define("proxy-port", GoFlagSet.Kind.Int, "7788", "port for proxy");
        // KmsNative
        flags.Define("backend", GoFlagSet.Kind.String, BackendKeyVault, "where DEKs are wrapped: azure-keyvault, or in-memory (a process-local key, for tests and benchmarks only)");
        flags.Define("in-memory-delay", GoFlagSet.Kind.Duration, "0", "latency added to every in-memory backend call (tests of deadlines)");
        flags.Define("socket-mode", GoFlagSet.Kind.String, "0600", "permission bits of the socket file, in octal");
        flags.Define("shutdown-grace-period", GoFlagSet.Kind.Duration, "10s", "on SIGTERM, how long calls in flight may take to finish");
        flags.Define("disable-healthz", GoFlagSet.Kind.Bool, "false", "do not serve the health endpoint (--healthz-port)");
        flags.Define("disable-metrics", GoFlagSet.Kind.Bool, "false", "do not serve the metrics endpoint (--metrics-addr)");
        flags.Define("check", GoFlagSet.Kind.Bool, "false", "check the set-up and exit: read azure.json, get a token, get the key, wrap and unwrap a random DEK; exit 0 when all pass");
        // Key Vault backend: DEK cache, rotation, local encrypt, rate limit (issue #9)
        flags.Define("dek-cache-size", GoFlagSet.Kind.Int, "10000", "unwrapped DEKs kept in memory (zeroed when dropped); 0 disables the cache");
        flags.Define("dek-cache-ttl", GoFlagSet.Kind.Duration, "1h", "how long an unwrapped DEK is kept, from when Key Vault unwrapped it");
        flags.Define("local-encrypt", GoFlagSet.Kind.Bool, "true", "encrypt with the key's public part (from get key) while the key allows it, instead of calling Key Vault");
        flags.Define("key-recheck-interval", GoFlagSet.Kind.Duration, "5m", "how often the key is checked in the background (and, without --key-version, its latest version looked up)");
        flags.Define("keyvault-rate-limit", GoFlagSet.Kind.Int, "50", "Key Vault calls per second at most, spread evenly; a call whose turn comes after its deadline fails UNAVAILABLE; 429s slow it down; 0 disables");
        // Hardening (issue #8)
        flags.Define("max-receive-message-size", GoFlagSet.Kind.Int, "65536", "largest gRPC request message in bytes; larger ones get RESOURCE_EXHAUSTED");
        flags.Define("max-connections", GoFlagSet.Kind.Int, "128", "connections served at once; when all are taken the longest-idle one is closed for a newcomer");
        flags.Define("idle-timeout", GoFlagSet.Kind.Duration, "5m", "a connection with no call for this long is closed with GOAWAY; 0 disables it");
        flags.Define("max-buffer-memory", GoFlagSet.Kind.Int, "67108864", "bytes of request bodies, held responses and queued output all connections may make us hold; past it a call is reset with ENHANCE_YOUR_CALM (RESOURCE_EXHAUSTED)");
        flags.Define("request-body-timeout", GoFlagSet.Kind.Duration, "10s", "a call whose request is not complete this long after its headers is reset; 0 disables it");
        return flags;
    }

    /// <summary>Parses and checks the command line. Pure: the caller prints and exits.</summary>
    public static OptionsResult Parse(IReadOnlyList<string> args)
    {
        GoFlagSet flags = CreateFlagSet();
        switch (flags.Parse(args, out Dictionary<string, string> values, out _, out string error))
        {
            case GoFlagSet.ParseOutcome.Help:
                return OptionsResult.Exit(0, Usage(flags));
            case GoFlagSet.ParseOutcome.Error:
                return OptionsResult.Exit(2, error + "\n" + Usage(flags));
        }

        string Get(string name) => values.TryGetValue(name, out string? v) ? v : flags.Flags.First(f => f.Name == name).DefaultValue;
        bool GetBool(string name) => Get(name) == "true";
        long GetNumber(string name) => long.Parse(Get(name), CultureInfo.InvariantCulture);
        TimeSpan GetDuration(string name) => values.TryGetValue(name, out string? v)
            ? TimeSpan.FromTicks(long.Parse(v, CultureInfo.InvariantCulture))
            : GoDuration.TryParse(Get(name), out TimeSpan d) ? d : TimeSpan.Zero;

        if (!ListenAddress.TryParse(Get("listen-addr"), out ListenAddress listen, out string listenError))
        {
            return OptionsResult.Exit(1, listenError);
        }

        long verbosity = GetNumber("v");
        if (verbosity > 255)
        {
            return OptionsResult.Exit(1, $"invalid log level {verbosity}: -v must be at most 255");
        }

        string metricsBackend = Get("metrics-backend").ToLowerInvariant();
        if (metricsBackend != "prometheus")
        {
            return OptionsResult.Exit(1, $"unsupported metrics backend '{Get("metrics-backend")}': only prometheus is supported");
        }

        string backend = Get("backend");
        if (backend is not (BackendKeyVault or BackendInMemory))
        {
            return OptionsResult.Exit(1, $"unknown --backend '{backend}': use {BackendKeyVault} or {BackendInMemory}");
        }

        if (!TryParseMode(Get("socket-mode"), out UnixFileMode mode))
        {
            return OptionsResult.Exit(1, $"invalid --socket-mode '{Get("socket-mode")}': give octal permission bits such as 0600 or 0660");
        }

        // The Go plugin listens on ":" + --metrics-addr, so only a port works there ("0.0.0.0:8095" is fatal).
        string metricsAddress = Get("metrics-addr");
        if (!GetBool("disable-metrics")
            && (!int.TryParse(metricsAddress, NumberStyles.None, CultureInfo.InvariantCulture, out int metricsPort) || metricsPort > 65535))
        {
            return OptionsResult.Exit(1, $"invalid --metrics-addr '{metricsAddress}': give a port number such as 8095 (all interfaces are used, as by the Go plugin), or --disable-metrics");
        }

        if (!GetBool("disable-healthz") && GetNumber("healthz-port") > 65535)
        {
            return OptionsResult.Exit(1, $"invalid --healthz-port {GetNumber("healthz-port")}: at most 65535, or --disable-healthz");
        }

        if (!GetBool("disable-healthz") && !Get("healthz-path").StartsWith('/'))
        {
            return OptionsResult.Exit(1, $"invalid --healthz-path '{Get("healthz-path")}': it must start with '/'");
        }

        TimeSpan grace = GetDuration("shutdown-grace-period");
        if (grace < TimeSpan.Zero)
        {
            return OptionsResult.Exit(1, "--shutdown-grace-period must not be negative");
        }

        // Key Vault backend: DEK cache, rotation, local encrypt, rate limit (issue #9)
        long dekCacheSize = GetNumber("dek-cache-size");
        TimeSpan dekCacheTtl = GetDuration("dek-cache-ttl");
        TimeSpan keyRecheck = GetDuration("key-recheck-interval");
        if (keyRecheck < TimeSpan.FromSeconds(10))
        {
            return OptionsResult.Exit(1, "--key-recheck-interval must be at least 10s");
        }

        long rateLimit = GetNumber("keyvault-rate-limit");
        if (rateLimit is < 0 or > 100_000)
        {
            return OptionsResult.Exit(1, "--keyvault-rate-limit must be 0 (no limit) to 100000 calls per second");
        }

        if (dekCacheSize is < 0 or > 10_000_000 || (dekCacheSize > 0 && dekCacheTtl <= TimeSpan.Zero))
        {
            return OptionsResult.Exit(1, "--dek-cache-size must be 0 (off) to 10000000, and --dek-cache-ttl positive when the cache is on");
        }

        // Hardening (issue #8)
        long maxMessage = GetNumber("max-receive-message-size");
        if (maxMessage is < 1024 or > 64 * 1024 * 1024)
        {
            return OptionsResult.Exit(1, "--max-receive-message-size must be 1024 to 67108864 bytes");
        }

        long maxConnections = GetNumber("max-connections");
        TimeSpan idleTimeout = GetDuration("idle-timeout");
        TimeSpan bodyTimeout = GetDuration("request-body-timeout");
        if (maxConnections is < 1 or > 65_536 || idleTimeout < TimeSpan.Zero || bodyTimeout < TimeSpan.Zero)
        {
            return OptionsResult.Exit(1, "--max-connections must be 1 to 65536, --idle-timeout and --request-body-timeout must not be negative");
        }

        long maxBufferMemory = GetNumber("max-buffer-memory");
        if (maxBufferMemory is < 1024 * 1024 or > 64L * 1024 * 1024 * 1024)
        {
            return OptionsResult.Exit(1, "--max-buffer-memory must be 1048576 (1 MiB) to 68719476736 (64 GiB) bytes");
        }

        var limits = new Http2Limits
        {
            MaxBufferMemory = maxBufferMemory,
            MaxRequestMessageSize = (int)maxMessage,
            MaxConnections = (int)maxConnections,
            IdleTimeout = idleTimeout,
            RequestBodyTimeout = bodyTimeout,
        };

        var options = new Options
        {
            ListenAddress = listen,
            KeyVaultName = Sanitize(Get("keyvault-name")),
            KeyName = Sanitize(Get("key-name")),
            KeyVersion = Sanitize(Get("key-version")),
            ManagedHsm = GetBool("managed-hsm"),
            LogFormatJson = GetBool("log-format-json"),
            Verbosity = (int)verbosity,
            // The Go plugin discards --configFilePath; so do we, for the same manifests to mean the same thing.
            ConfigFilePath = Get("config-file-path"),
            PrintVersion = GetBool("version"),
            HealthzPort = (int)Math.Min(GetNumber("healthz-port"), int.MaxValue),
            HealthzPath = Get("healthz-path"),
            HealthzTimeout = GetDuration("healthz-timeout"),
            MetricsBackend = metricsBackend,
            MetricsAddress = Get("metrics-addr"),
            ProxyMode = GetBool("proxy-mode"),
            ProxyAddress = Get("proxy-address"),
            ProxyPort = (int)Math.Clamp(GetNumber("proxy-port"), int.MinValue, int.MaxValue),
            Backend = backend,
            InMemoryDelay = GetDuration("in-memory-delay"),
            SocketMode = mode,
            ShutdownGracePeriod = grace,
            DisableHealthz = GetBool("disable-healthz"),
            DisableMetrics = GetBool("disable-metrics"),
            Check = GetBool("check"),
            DekCacheSize = (int)dekCacheSize,
            DekCacheTtl = dekCacheTtl,
            KeyRecheckInterval = keyRecheck,
            LocalEncrypt = GetBool("local-encrypt"),
            KeyVaultRateLimit = (int)rateLimit,
            ServerLimits = limits,
        };
        return OptionsResult.Ok(options);
    }

    /// <summary>utils.SanitizeString of the Go plugin: trim white space, then double quotes, then white space again.</summary>
    public static string Sanitize(string value) => value.Trim().Trim('"').Trim();

    public static string Usage(GoFlagSet flags)
    {
        var text = new StringBuilder("Usage of kmsnative:\n");
        foreach (GoFlagSet.Flag flag in flags.Flags)
        {
            string type = flag.Kind switch
            {
                GoFlagSet.Kind.Bool => "",
                GoFlagSet.Kind.Duration => " duration",
                GoFlagSet.Kind.Int => " int",
                GoFlagSet.Kind.Uint => " uint",
                _ => " string",
            };
            text.Append(CultureInfo.InvariantCulture, $"  -{flag.Name}{type}\n    \t{flag.Usage}");
            bool isZero = flag.DefaultValue is "" or "0" or "false";
            if (!isZero)
            {
                string shown = flag.Kind == GoFlagSet.Kind.String ? $"\"{flag.DefaultValue}\"" : flag.DefaultValue;
                text.Append(" (default ").Append(shown).Append(')');
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static bool TryParseMode(string text, out UnixFileMode mode)
    {
        mode = default;
        if (text.Length is 0 or > 4)
        {
            return false;
        }

        int value = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }

            value = value * 8 + (c - '0');
        }

        if (value > 0x1FF)
        {
            return false;
        }

        mode = (UnixFileMode)value;
        return true;
    }
}

/// <summary>Either options to run with, or an exit code and what to print.</summary>
internal sealed record OptionsResult(Options? Options, int ExitCode, string Message)
{
    public static OptionsResult Ok(Options options) => new(options, 0, "");

    public static OptionsResult Exit(int code, string message) => new(null, code, message);
}
