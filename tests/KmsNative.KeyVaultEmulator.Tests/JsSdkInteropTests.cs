using System.Diagnostics;

namespace KmsNative.KeyVaultEmulator.Tests;

/// <summary>
/// Runs tests/interop/js-keyvault/interop.mjs (the official @azure/keyvault-keys and @azure/identity) against an
/// in-process emulator. node_modules comes from build/install-emulator-deps.sh.
/// </summary>
public sealed class JsSdkInteropTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task OfficialJavaScriptSdk_CreateRotateCryptoAndList_AllChecksPass()
    {
        string directory = Path.Combine(FindRepositoryRoot(), "tests", "interop", "js-keyvault");
        Assert.True(Directory.Exists(Path.Combine(directory, "node_modules", "@azure", "keyvault-keys")),
            $"{directory}/node_modules is missing: run build/install-emulator-deps.sh first (npm ci of @azure/keyvault-keys and @azure/identity).");

        var start = new ProcessStartInfo("node", "interop.mjs")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["KMS_EMULATOR_URL"] = emulator.Url.ToString().TrimEnd('/');
        start.Environment["NODE_EXTRA_CA_CERTS"] = emulator.CaFile;
        using Process node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        Task<string> stdout = node.StandardOutput.ReadToEndAsync();
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await node.WaitForExitAsync(timeout.Token);

        string output = $"{await stdout}\n{await stderr}";
        Assert.True(node.ExitCode == 0, $"node interop.mjs exited {node.ExitCode}:\n{output}");
        Assert.Contains("js-keyvault interop: all checks passed", output, StringComparison.Ordinal);
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Directory.Packages.props above {AppContext.BaseDirectory}");
    }
}
