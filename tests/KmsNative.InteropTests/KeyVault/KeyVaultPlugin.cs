// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// Starts the published binary on the Key Vault backend against an emulator, as build/demo.sh does: flags naming
/// https://kmsdemo.vault.azure.net, an azure.json, HTTPS_PROXY = the emulator's CONNECT proxy and SSL_CERT_FILE =
/// its CA. Whatever Azure or proxy settings the test runner has are removed from the plugin's environment.
/// </summary>
internal static class KeyVaultPlugin
{
    /// <summary>kube-apiserver's default per-call timeout.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    private static readonly string[] s_inheritedToRemove =
    [
        "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "AZURE_POD_IDENTITY_AUTHORITY_HOST", "AZURE_ENVIRONMENT_FILEPATH",
        "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET",
    ];

    private static int s_fileCounter;

    /// <summary>azure.json with the emulator's default client secret.</summary>
    public static JsonObject ClientSecretConfig(KeyVaultEmulatorProcess emulator) => new()
    {
        ["cloud"] = "AzurePublicCloud",
        ["tenantId"] = emulator.TenantId,
        ["aadClientId"] = emulator.ClientId,
        ["aadClientSecret"] = emulator.ClientSecret,
    };

    /// <summary>Writes <paramref name="contents"/> to a new file in the emulator's directory (mode 0600); returns its path.</summary>
    public static string WriteFile(KeyVaultEmulatorProcess emulator, string name, string contents)
    {
        string path = Path.Combine(emulator.Directory.FullName, $"{Interlocked.Increment(ref s_fileCounter)}-{name}");
        File.WriteAllText(path, contents);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public static List<string> Arguments(SeededKey key, string azureJsonPath, params string[] extra) =>
    [
        "--keyvault-name", SeededKey.VaultName, "--key-name", key.Name, "--key-version", key.Version,
        // Key Vault encrypts unless a test turns local encryption on (last flag wins): fault tests inject encrypt failures.
        "--config-file-path", azureJsonPath, "-v", "2", "--local-encrypt=false", .. extra,
    ];

    /// <summary>
    /// The plugin's environment: HTTPS through the emulator's CONNECT proxy, the emulator's CA, and plain HTTP to
    /// loopback (IMDS, proxy mode) direct. <paramref name="extra"/> is applied last (null removes).
    /// </summary>
    public static Dictionary<string, string?> Environment(KeyVaultEmulatorProcess emulator,
                                                          IReadOnlyDictionary<string, string?>? extra = null)
    {
        Dictionary<string, string?> environment = CleanEnvironment();
        environment["HTTPS_PROXY"] = emulator.ProxyUrl;
        environment["NO_PROXY"] = "127.0.0.1,localhost";
        environment["SSL_CERT_FILE"] = emulator.CaFile;
        foreach ((string name, string? value) in extra ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>Removes every Azure credential and proxy setting the test runner may have.</summary>
    public static Dictionary<string, string?> CleanEnvironment() =>
        s_inheritedToRemove.ToDictionary(name => name, _ => (string?)null, StringComparer.Ordinal);

    /// <summary>Starts the plugin on <paramref name="key"/> with <paramref name="azureJson"/>.</summary>
    public static Task<KmsNativeServer> StartAsync(KeyVaultEmulatorProcess emulator, SeededKey key, JsonObject azureJson,
                                                   IReadOnlyDictionary<string, string?>? environment = null,
                                                   params string[] extraArguments)
    {
        string path = WriteFile(emulator, "azure.json", azureJson.ToJsonString());
        return KmsNativeServer.StartAsync(Arguments(key, path, extraArguments), Environment(emulator, environment));
    }

    public static CallOptions Options(TimeSpan? timeout = null) =>
        new(deadline: DateTime.UtcNow + (timeout ?? CallTimeout));

    /// <summary>
    /// Status until Key Vault has been checked: the plugin's socket is up before its background check of credentials
    /// and key, and reports "Key Vault not checked yet" until then. Bounded by <paramref name="timeout"/>.
    /// </summary>
    public static async Task<V2.StatusResponse> StatusAfterStartupCheckAsync(GrpcChannel channel, TimeSpan? timeout = null)
    {
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        DateTime until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            V2.StatusResponse status = await client.StatusAsync(new V2.StatusRequest(), Options());
            if (!status.Healthz.Contains("not checked yet", StringComparison.Ordinal) || DateTime.UtcNow > until)
            {
                return status;
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
        }
    }
}
