using Azure.Core;
using Azure.Core.Pipeline;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Configuration;
using KmsNative.KeyVault.Credentials;
using KmsNative.KeyVault;
using KmsNative.Kms.Hosting;

namespace KmsNative.Backend;

/// <summary>
/// Builds the Key Vault backend from the flags and azure.json, in the Go plugin's order: flags, azure.json, cloud,
/// vault URL, credential. Every problem is a <see cref="ConfigurationException"/> that names the flag, file or field.
/// Makes no network call: credentials and key access are checked in the background once the socket is up.
/// </summary>
internal static class KeyVaultSetup
{
    public sealed record Result(KeyVaultBackend Backend, KeyReference Key, string CredentialDescription, Uri ClientUri);

    /// <param name="metrics">When given, every Key Vault HTTP attempt is counted there (/metrics).</param>
    public static Result Create(Options options, Func<string, string?> environment, string version, IKmsLog log, HttpPipelineTransport? transport = null,
                                Kms.Observability.KeyVaultRequestMetrics? metrics = null)
    {
        RequireFlag("--keyvault-name", options.KeyVaultName);
        RequireFlag("--key-name", options.KeyName);
        // --key-version may be omitted: the latest enabled version is used and followed (KeyRing).

        AzureConfig config = AzureConfigParser.Load(options.ConfigFilePath);
        AzureCloud cloud = AzureClouds.Resolve(config.Cloud, options.ManagedHsm, environment, config.SourcePath);
        Uri vaultUri = cloud.GetVaultUri(options.KeyVaultName);
        ProxySettings? proxy = options.ProxyMode ? new ProxySettings(options.ProxyAddress, options.ProxyPort) : null;
        TokenCredential credential = CredentialFactory.Create(config, cloud, proxy, environment, out string description);

        // Proxy mode sends Key Vault calls to http://{proxy}/{vault host}/; the key id stays the unproxied one.
        Uri clientUri = proxy?.GetProxiedVaultUri(vaultUri) ?? vaultUri;
        // One limiter for the backend (which waits on it) and the client (whose 429s slow it down).
        KeyVaultRateLimiter? limiter = options.KeyVaultRateLimit > 0 ? new KeyVaultRateLimiter(options.KeyVaultRateLimit, TimeProvider.System) : null;
        var clientOptions = new KeyVaultClientOptions(version)
        {
            ProxyTarget = proxy is null ? null : ProxySettings.KeyVaultTarget,
            Throttled = limiter is null ? null : limiter.OnThrottled,
        };
        if (metrics is not null)
        {
            clientOptions.AddPolicy(new Observability.KeyVaultMetricsPolicy(metrics), HttpPipelinePosition.PerRetry);
        }

        var client = new KeyVaultClient(clientUri, credential, cloud.TokenScope, clientOptions, transport);
        var key = new KeyReference(vaultUri, options.KeyName, options.KeyVersion);
        var settings = new BackendSettings
        {
            DekCacheSize = options.DekCacheSize, DekCacheTtl = options.DekCacheTtl, CheckInterval = options.KeyRecheckInterval, LocalEncrypt = options.LocalEncrypt,
            KeyVaultRateLimit = options.KeyVaultRateLimit,
        };
        return new Result(new KeyVaultBackend(client, key, TimeProvider.System, log, settings, limiter), key, description, clientUri);
    }

    private static void RequireFlag(string flag, string value)
    {
        if (value.Length == 0)
        {
            throw new ConfigurationException($"{flag} is required with --backend azure-keyvault (the default)");
        }
    }
}
