using System.Text.RegularExpressions;

namespace KmsNative.Tests.Cli;

/// <summary>The command lines the shipped deployment files give the plugin parse, and mean what the files say.</summary>
public sealed partial class DeploymentFlagsTests
{
    [Fact]
    public void StaticPod_Args_ParseWithTheGoPluginSocket()
    {
        string manifest = File.ReadAllText(Path.Combine(RepoRoot(), "build", "manifests", "kmsnative.yaml"));
        string[] args = ArgLine().Matches(manifest).Select(m => m.Groups[1].Value)
            .Select(a => a.Replace("<vault>", "kv1", StringComparison.Ordinal).Replace("<key>", "kek", StringComparison.Ordinal)
                          .Replace("<version>", "0123", StringComparison.Ordinal))
            .ToArray();

        OptionsResult result = Options.Parse(args);

        Assert.True(result.Options is not null, result.Message);
        Assert.Equal("/opt/azurekms.socket", result.Options.ListenAddress.Path);
        Assert.Equal("kv1", result.Options.KeyVaultName);
        Assert.Equal(8787, result.Options.HealthzPort);
        Assert.Contains("port: 8787", manifest, StringComparison.Ordinal);
        Assert.Contains("path: /healthz", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemdService_ExecStart_ParsesWithTheSocketUnitsPath()
    {
        string unitDirectory = Path.Combine(RepoRoot(), "build", "systemd");
        string service = File.ReadAllText(Path.Combine(unitDirectory, "kmsnative.service"));
        string socket = File.ReadAllText(Path.Combine(unitDirectory, "kmsnative.socket"));
        string execStart = service.Split('\n').Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        string[] args = execStart["ExecStart=".Length..].Replace("%d", "/run/credentials/kmsnative.service", StringComparison.Ordinal)
            .Replace("$KMSNATIVE_FLAGS", "--keyvault-name=kv1 --key-name=kek --key-version=0123", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];

        OptionsResult result = Options.Parse(args);

        Assert.True(result.Options is not null, result.Message);
        Assert.Equal("/run/credentials/kmsnative.service/azure.json", result.Options.ConfigFilePath);
        Assert.Contains($"ListenStream={result.Options.ListenAddress.Path}\n", socket, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KmsNative.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No KmsNative.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^\s+- (--?[a-z][-a-z]*(?:=\S*)?)\s*$", RegexOptions.Multiline)]
    private static partial Regex ArgLine();
}
