namespace KmsNative.KeyVaultEmulator;

/// <summary>Command line: see <see cref="Usage"/>.</summary>
internal sealed class EmulatorOptions
{
    public const string Usage = """
        KmsNative.KeyVaultEmulator [options]
          --port N                 HTTPS port on 127.0.0.1 (0 = pick a free one; default 0)
          --ca-out FILE            write the generated CA certificate (PEM) here
          --host-names a,b         extra DNS names for the TLS certificate (e.g. *.vault.azure.net); localhost,
                                   127.0.0.1 and ::1 are always included
          --config FILE            tenants, clients, managed identities (JSON); defaults when absent
          --region NAME            value of x-ms-keyvault-region (default: emulator)
          --token-lifetime SECS    access token lifetime (default 3600)
          --imds-port N            also serve /metadata/identity/oauth2/token over plain HTTP on 127.0.0.1:N
                                   (-1 = off, the default; 0 = pick a free one)
          --connect-proxy-port N   also serve an HTTP CONNECT proxy on 127.0.0.1:N that tunnels every host to the
                                   emulator, so clients reach https://<vault>.vault.azure.net through HTTPS_PROXY
                                   (-1 = off, the default; 0 = pick a free one)
          --exit-on-stdin-close    stop when standard input reaches end of file (besides SIGTERM/SIGINT)
        """;

    public int Port { get; init; }

    public string? CaOut { get; init; }

    public IReadOnlyList<string> HostNames { get; init; } = [];

    public string? ConfigPath { get; init; }

    public string Region { get; init; } = "emulator";

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    public int ImdsPort { get; init; } = -1;

    public int ConnectProxyPort { get; init; } = -1;

    public bool ExitOnStdinClose { get; init; }

    /// <exception cref="ArgumentException">Unknown flag or bad value; the message names it.</exception>
    public static EmulatorOptions Parse(IReadOnlyList<string> args)
    {
        int port = 0;
        int imdsPort = -1;
        int connectProxyPort = -1;
        int lifetime = 3600;
        string? caOut = null;
        string? config = null;
        string region = "emulator";
        bool exitOnStdinClose = false;
        List<string> hostNames = [];
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string name = flag.TrimStart('-');
            string? inline = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }
            string Value() => inline ?? (++i < args.Count ? args[i] : throw new ArgumentException($"{flag} needs a value"));
            switch (name)
            {
                case "port": port = ParsePort(flag, Value(), allowOff: false); break;
                case "imds-port": imdsPort = ParsePort(flag, Value(), allowOff: true); break;
                case "connect-proxy-port": connectProxyPort = ParsePort(flag, Value(), allowOff: true); break;
                case "ca-out": caOut = Value(); break;
                case "config": config = Value(); break;
                case "region": region = Value(); break;
                case "host-names":
                    hostNames.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "token-lifetime":
                    lifetime = int.TryParse(Value(), out int secs) && secs > 0 ? secs : throw new ArgumentException($"{flag}: positive seconds expected");
                    break;
                case "exit-on-stdin-close": exitOnStdinClose = true; break;
                default: throw new ArgumentException($"unknown flag {flag}");
            }
        }
        return new EmulatorOptions
        {
            Port = port,
            ImdsPort = imdsPort,
            ConnectProxyPort = connectProxyPort,
            CaOut = caOut,
            ConfigPath = config,
            Region = region,
            HostNames = hostNames,
            TokenLifetime = TimeSpan.FromSeconds(lifetime),
            ExitOnStdinClose = exitOnStdinClose,
        };
    }

    private static int ParsePort(string flag, string value, bool allowOff) =>
        int.TryParse(value, out int p) && p is >= 0 and <= 65535 || (allowOff && p == -1)
            ? p
            : throw new ArgumentException($"{flag}: port expected, got '{value}'");
}
