using KmsNative.Protocol.Http2;

namespace KmsNative.Tests.Cli;

public class OptionsTests
{
    [Fact]
    public void Parse_NoArguments_HasGoPluginDefaults()
    {
        OptionsResult result = Options.Parse([]);
        Options options = Assert.IsType<Options>(result.Options);
        Assert.Equal("/opt/azurekms.socket", options.ListenAddress.Path);
        Assert.False(options.ListenAddress.IsAbstract);
        Assert.Equal("/etc/kubernetes/azure.json", options.ConfigFilePath);
        Assert.Equal(8787, options.HealthzPort);
        Assert.Equal("/healthz", options.HealthzPath);
        Assert.Equal(TimeSpan.FromSeconds(20), options.HealthzTimeout);
        Assert.Equal("8095", options.MetricsAddress);
        Assert.Equal(7788, options.ProxyPort);
        Assert.Equal(Options.BackendKeyVault, options.Backend);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, options.SocketMode);
    }

    [Fact]
    public void Parse_DeprecatedConfigFilePath_IsAcceptedAndIgnored()
    {
        // The Go plugin discards -configFilePath; the default of -config-file-path stays in force.
        Options options = Options.Parse(["-configFilePath=/other/azure.json"]).Options!;
        Assert.Equal("/etc/kubernetes/azure.json", options.ConfigFilePath);
    }

    [Theory]
    [InlineData("  \"kv\"  ")]
    [InlineData("\" kv \"")]
    [InlineData("\tkv\n")]
    [InlineData("kv")]
    public void Parse_KeyVaultFlags_AreSanitizedAsTheGoPlugin(string raw)
    {
        // utils.SanitizeString: TrimSpace, Trim quotes, TrimSpace.
        Options options = Options.Parse([$"--keyvault-name={raw}", $"--key-name={raw}", $"--key-version={raw}"]).Options!;
        Assert.Equal("kv", options.KeyVaultName);
        Assert.Equal("kv", options.KeyName);
        Assert.Equal("kv", options.KeyVersion);
    }

    [Theory]
    [InlineData("--v=256", 1, "invalid log level 256")]
    [InlineData("--metrics-backend=statsd", 1, "unsupported metrics backend 'statsd'")]
    [InlineData("--listen-addr=tcp://127.0.0.1:1", 1, "must start with unix://")]
    [InlineData("--listen-addr=unix://", 1, "socket path is empty")]
    [InlineData("--backend=vault", 1, "unknown --backend 'vault'")]
    [InlineData("--socket-mode=0999", 1, "invalid --socket-mode '0999'")]
    [InlineData("--shutdown-grace-period=-1s", 1, "must not be negative")]
    [InlineData("--healthz-timeout=20", 2, "invalid value \"20\" for flag -healthz-timeout")]
    [InlineData("--nope", 2, "flag provided but not defined: -nope")]
    [InlineData("--metrics-addr=0.0.0.0:8095", 1, "invalid --metrics-addr '0.0.0.0:8095': give a port number")]
    [InlineData("--metrics-addr=:8095", 1, "invalid --metrics-addr ':8095'")]
    [InlineData("--metrics-addr=70000", 1, "invalid --metrics-addr '70000'")]
    [InlineData("--healthz-port=70000", 1, "invalid --healthz-port 70000")]
    [InlineData("--healthz-port=-1", 2, "invalid value \"-1\" for flag -healthz-port")]
    [InlineData("--healthz-path=healthz", 1, "must start with '/'")]
    [InlineData("--keyvault-rate-limit=-1", 1, "--keyvault-rate-limit must be 0 (no limit) to 100000")]
    public void Parse_BadValue_ExitsWithClearMessage(string arg, int exitCode, string message)
    {
        OptionsResult result = Options.Parse([arg]);
        Assert.Null(result.Options);
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FlagError_IncludesUsage()
    {
        OptionsResult result = Options.Parse(["--nope"]);
        Assert.Contains("Usage of kmsnative:", result.Message, StringComparison.Ordinal);
        Assert.Contains("-listen-addr string", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Help_ExitsZeroWithUsage()
    {
        OptionsResult result = Options.Parse(["-h"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("(default \"unix:///opt/azurekms.socket\")", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MetricsBackend_IsCaseInsensitive()
    {
        Assert.Equal("prometheus", Options.Parse(["--metrics-backend=Prometheus"]).Options!.MetricsBackend);
    }

    [Fact]
    public void Parse_KmsNativeFlags()
    {
        Options options = Options.Parse(["--backend", "in-memory", "--in-memory-delay=250ms", "--socket-mode=0660", "--shutdown-grace-period=3s", "--listen-addr=unix:///@kms"]).Options!;
        Assert.Equal(Options.BackendInMemory, options.Backend);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.InMemoryDelay);
        Assert.Equal((UnixFileMode)0x1B0, options.SocketMode);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ShutdownGracePeriod);
        Assert.True(options.ListenAddress.IsAbstract);
        Assert.Equal("kms", options.ListenAddress.Path);
    }

    [Fact]
    public void Parse_MaxReceiveMessageSize_DefaultsTo64KiBAndCanBeRaised()
    {
        Assert.Equal(64 * 1024, Options.Parse([]).Options!.ServerLimits.MaxRequestMessageSize);
        Assert.Equal(4 * 1024 * 1024, Options.Parse(["--max-receive-message-size=4194304"]).Options!.ServerLimits.MaxRequestMessageSize);
        Assert.Equal(1, Options.Parse(["--max-receive-message-size=100"]).ExitCode);
    }

    [Fact]
    public void Parse_MaxBufferMemory_Defaults64MiBAndRejectsBadValues()
    {
        Assert.Equal(64L * 1024 * 1024, Options.Parse([]).Options!.ServerLimits.MaxBufferMemory);
        Assert.Equal(8L * 1024 * 1024 * 1024, Options.Parse(["--max-buffer-memory=8589934592"]).Options!.ServerLimits.MaxBufferMemory);
        Assert.Equal(1024 * 1024, Options.Parse(["--max-buffer-memory", "1048576"]).Options!.ServerLimits.MaxBufferMemory);
        foreach (string outOfRange in new[] { "0", "-1", "1048575", "68719476737" })
        {
            OptionsResult result = Options.Parse(["--max-buffer-memory=" + outOfRange]);
            Assert.Equal((1, true), (result.ExitCode, result.Message.Contains("--max-buffer-memory must be", StringComparison.Ordinal)));
        }

        foreach (string notANumber in new[] { "64Mi", "", "1e9" })
        {
            OptionsResult result = Options.Parse(["--max-buffer-memory=" + notANumber]);
            Assert.Equal((2, true), (result.ExitCode, result.Message.Contains("max-buffer-memory", StringComparison.Ordinal))); // Go's flag package: usage error
        }
    }

    [Fact]
    public void Parse_ConnectionSlotFlags_SetTheServerLimits()
    {
        Http2Limits defaults = Options.Parse([]).Options!.ServerLimits;
        Assert.Equal((128, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10)), (defaults.MaxConnections, defaults.IdleTimeout, defaults.RequestBodyTimeout));
        Http2Limits set = Options.Parse(["--max-connections=16", "--idle-timeout=0", "--request-body-timeout=2s"]).Options!.ServerLimits;
        Assert.Equal((16, TimeSpan.Zero, TimeSpan.FromSeconds(2)), (set.MaxConnections, set.IdleTimeout, set.RequestBodyTimeout));
        Assert.Equal(1, Options.Parse(["--max-connections=0"]).ExitCode);
        Assert.Equal(1, Options.Parse(["--request-body-timeout=-1s"]).ExitCode);
    }

    [Fact]
    public void Parse_EndpointDefaults_AreTheGoPlugins()
    {
        Options options = Options.Parse([]).Options!;
        Assert.Equal((8787, (int?)8095), (options.HealthzListenPort!.Value, options.MetricsPort));
    }

    [Fact]
    public void Parse_DisableFlags_TurnEndpointsOff()
    {
        Options options = Options.Parse(["--disable-healthz", "--disable-metrics", "--metrics-addr=bogus"]).Options!;
        Assert.Null(options.HealthzListenPort);
        Assert.Null(options.MetricsPort);
    }

    [Theory]
    [InlineData(new string[0], 50)]
    [InlineData(new[] { "--keyvault-rate-limit=200" }, 200)]
    [InlineData(new[] { "--keyvault-rate-limit=0" }, 0)]
    public void Parse_KeyVaultRateLimit_DefaultsWellUnderTheVaultsLimit(string[] args, int expected) =>
        Assert.Equal(expected, Options.Parse(args).Options!.KeyVaultRateLimit);
}
