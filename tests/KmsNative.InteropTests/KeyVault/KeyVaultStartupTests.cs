// SPDX-License-Identifier: MIT
namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// Configuration errors found at start-up: the process exits non-zero with one error line naming the file, field or
/// flag, and leaves no socket file behind. No Key Vault is needed: these fail before any network call.
/// </summary>
public sealed class KeyVaultStartupTests : IDisposable
{
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("kmsnative-start-");

    public static TheoryData<string, string?, string[], string[]> Cases() => new()
    {
        // name, azure.json contents (null: no file), extra flags, what the error line must contain
        { "missing azure.json", null, [], ["azure.json"] },
        { "quoted boolean", """{"useManagedIdentityExtension": "true"}""", [], ["azure.json", "useManagedIdentityExtension"] },
        { "no credentials", """{"cloud": "AzurePublicCloud", "tenantId": "t"}""", [], ["azure.json", "no credentials"] },
        {
            "unknown cloud",
            """{"cloud": "AzureMarsCloud", "tenantId": "t", "aadClientId": "c", "aadClientSecret": "startup-secret-9d2e"}""",
            [], ["azure.json", "AzureMarsCloud"]
        },
        {
            "vault name too short",
            """{"tenantId": "t", "aadClientId": "c", "aadClientSecret": "startup-secret-9d2e"}""",
            ["--keyvault-name", "kv"], ["--keyvault-name"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Start_BadConfiguration_ExitsNonZeroWithOneErrorLineAndNoSocket(
        string name, string? azureJson, string[] flags, string[] expected)
    {
        string configPath = Path.Combine(_directory.FullName, "azure.json");
        if (azureJson is not null)
        {
            await File.WriteAllTextAsync(configPath, azureJson);
        }

        string socketPath = Path.Combine(_directory.FullName, "kms.sock");
        List<string> arguments =
        [
            "--listen-addr", $"unix://{socketPath}", "--keyvault-name", SeededKey.VaultName, "--key-name", "kek",
            "--key-version", "0123456789abcdef0123456789abcdef", "--config-file-path", configPath, .. flags,
        ];

        (int exitCode, string output) = await CapturedProcess.RunAsync(
            InteropPaths.Binary, arguments, s_exitTimeout, KeyVaultPlugin.CleanEnvironment());

        string context = $"{name}: exit {exitCode}, output:\n{output}";
        Assert.True(exitCode is not (0 or -1), context);
        string[] errorLines = [.. output.Split('\n').Where(line => line.StartsWith('E'))];
        string errorLine = Assert.Single(errorLines);
        foreach (string text in expected)
        {
            Assert.True(errorLine.Contains(text == "azure.json" ? configPath : text, StringComparison.Ordinal),
                        $"the error line does not name '{text}'. {context}");
        }

        Assert.DoesNotContain("startup-secret-9d2e", output, StringComparison.Ordinal);
        Assert.False(File.Exists(socketPath), $"{socketPath} was left behind. {context}");
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
