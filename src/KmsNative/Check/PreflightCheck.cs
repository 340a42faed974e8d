using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using KmsNative.Backend;
using KmsNative.KeyVault;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Configuration;
using KmsNative.KeyVault.Credentials;

namespace KmsNative.Check;

/// <summary>
/// <c>kmsnative --check</c>: with the same flags and azure.json as the service, read the configuration, get a token,
/// get the key, and wrap and unwrap a random 32-byte DEK with RSA-OAEP-256 (what KMS v2 does), then print what was
/// found, how long each step took and what to fix. Exit 0 when every step passed, 1 otherwise. Never prints a secret,
/// a token or the DEK.
/// </summary>
internal static class PreflightCheck
{
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(Options options, Func<string, string?> environment, TextWriter output, HttpPipelineTransport? transport = null)
    {
        var report = new CheckReport();
        output.Write("kmsnative --check\n");

        // 1. Configuration: flags, azure.json, cloud, credential. No network.
        var stopwatch = Stopwatch.StartNew();
        AzureCloud cloud;
        TokenCredential credential;
        KeyReference key;
        KeyVaultClient client;
        try
        {
            Require("--keyvault-name", options.KeyVaultName);
            Require("--key-name", options.KeyName);
            Require("--key-version", options.KeyVersion);
            AzureConfig config = AzureConfigParser.Load(options.ConfigFilePath);
            cloud = AzureClouds.Resolve(config.Cloud, options.ManagedHsm, environment, config.SourcePath);
            Uri vaultUri = cloud.GetVaultUri(options.KeyVaultName);
            ProxySettings? proxy = options.ProxyMode ? new ProxySettings(options.ProxyAddress, options.ProxyPort) : null;
            credential = CredentialFactory.Create(config, cloud, proxy, environment, out string description);
            Uri clientUri = proxy?.GetProxiedVaultUri(vaultUri) ?? vaultUri;
            var clientOptions = new KeyVaultClientOptions(BuildInfo.Version) { ProxyTarget = proxy is null ? null : ProxySettings.KeyVaultTarget };
            client = new KeyVaultClient(clientUri, credential, cloud.TokenScope, clientOptions, transport);
            key = new KeyReference(vaultUri, options.KeyName, options.KeyVersion);
            report.Pass("configuration", stopwatch.Elapsed, $"{config.SourcePath}, cloud {cloud.Name}");
            report.Info("identity mode", description);
            report.Info("vault URL", clientUri.AbsoluteUri + (proxy is null ? "" : $" (proxy for {vaultUri.AbsoluteUri})"));
            report.Info("key", $"{key.KeyUrl} (KMS v2 key_id {key.KeyIdHash})");
        }
        catch (ConfigurationException ex)
        {
            report.Fail("configuration", stopwatch.Elapsed, ex.Message, "fix the flag or azure.json field named above (docs/configuration.md)");
            return report.WriteTo(output);
        }

        // 2. A token for the vault's resource.
        stopwatch.Restart();
        try
        {
            using var timeout = new CancellationTokenSource(s_stepTimeout);
            AccessToken token = await credential.GetTokenAsync(new TokenRequestContext([cloud.TokenScope]), timeout.Token).ConfigureAwait(false);
            report.Pass("token", stopwatch.Elapsed, $"for {cloud.TokenScope}, expires {token.ExpiresOn.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture)}");
        }
        catch (Exception ex)
        {
            report.Fail("token", stopwatch.Elapsed, Describe(ex),
                "check the identity in azure.json: tenant, client id and secret or certificate, or that the managed/workload identity exists and is assigned to this node (docs/troubleshooting.md)");
            return report.WriteTo(output);
        }

        // 3. Get key: that it exists, its state and what it allows. Continue on failure: the crypto steps still tell
        //    which permissions the identity has.
        stopwatch.Restart();
        bool keyMissing = false;
        try
        {
            using var timeout = new CancellationTokenSource(s_stepTimeout);
            KeyBundle bundle = await client.GetKeyAsync(key.Name, key.Version, timeout.Token).ConfigureAwait(false);
            report.Pass("get key", stopwatch.Elapsed, "permission keys/get (Key Vault Crypto User, or access policy Get) is granted");
            DescribeKey(report, bundle);
        }
        catch (Exception ex)
        {
            keyMissing = ex is KeyVaultException { Status: 404 };
            report.Fail("get key", stopwatch.Elapsed, Describe(ex), Fix(ex, "get", key));
            if (keyMissing)
            {
                return report.WriteTo(output);
            }
        }

        // 4. Wrap and unwrap a random DEK as KMS v2 does.
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        try
        {
            stopwatch.Restart();
            KeyOperationResult wrapped;
            try
            {
                using var timeout = new CancellationTokenSource(s_stepTimeout);
                wrapped = await client.EncryptAsync(key.Name, key.Version, KeyVaultAlgorithm.RsaOaep256, dek, timeout.Token).ConfigureAwait(false);
                report.Pass("encrypt", stopwatch.Elapsed, "permission keys/encrypt is granted; RSA-OAEP-256 of a random 32-byte DEK");
            }
            catch (Exception ex)
            {
                report.Fail("encrypt", stopwatch.Elapsed, Describe(ex), Fix(ex, "encrypt", key));
                return report.WriteTo(output);
            }

            stopwatch.Restart();
            try
            {
                using var timeout = new CancellationTokenSource(s_stepTimeout);
                KeyOperationResult unwrapped = await client.DecryptAsync(key.Name, key.Version, KeyVaultAlgorithm.RsaOaep256, wrapped.Value, timeout.Token).ConfigureAwait(false);
                bool same = Base64UrlCodec.TryDecode(unwrapped.Value, out byte[] plain) && CryptographicOperations.FixedTimeEquals(plain, dek);
                CryptographicOperations.ZeroMemory(plain);
                if (same)
                {
                    report.Pass("decrypt", stopwatch.Elapsed, "permission keys/decrypt is granted; the DEK came back unchanged");
                }
                else
                {
                    report.Fail("decrypt", stopwatch.Elapsed, "Key Vault returned a different DEK", "the vault or a proxy in between is not answering correctly");
                }
            }
            catch (Exception ex)
            {
                report.Fail("decrypt", stopwatch.Elapsed, Describe(ex), Fix(ex, "decrypt", key));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
        }

        return report.WriteTo(output);
    }

    private static void DescribeKey(CheckReport report, KeyBundle bundle)
    {
        JsonWebKey? jwk = bundle.Key;
        KeyAttributes? attributes = bundle.Attributes;
        int bits = jwk?.Modulus is { } n && Base64UrlCodec.TryDecode(n, out byte[] modulus) ? modulus.Length * 8 : 0;
        string version = jwk?.KeyId is { } kid ? kid[(kid.LastIndexOf('/') + 1)..] : "?";
        report.Info("key version", version);
        report.Info("key type", $"{jwk?.KeyType ?? "?"}{(bits > 0 ? $" {bits} bits" : "")}");
        report.Info("key_ops", jwk?.KeyOperations is { } ops ? string.Join(", ", ops) : "(none listed: all)");
        var text = new StringBuilder(attributes?.Enabled == false ? "disabled" : "enabled");
        if (attributes?.NotBefore is { } nbf)
        {
            text.Append(", not before ").Append(DateTimeOffset.FromUnixTimeSeconds(nbf).ToString("u", CultureInfo.InvariantCulture));
        }

        if (attributes?.Expires is { } exp)
        {
            text.Append(", expires ").Append(DateTimeOffset.FromUnixTimeSeconds(exp).ToString("u", CultureInfo.InvariantCulture));
        }

        report.Info("key attributes", text.ToString());
        if (attributes?.Enabled == false)
        {
            report.Problem("the key version is disabled: enable it in Key Vault, or use an enabled --key-version");
        }

        if (jwk?.KeyOperations is { } operations && !(operations.Contains("encrypt") && operations.Contains("decrypt")))
        {
            report.Problem("the key does not permit encrypt and decrypt (key_ops): allow both on the key");
        }

        if (jwk?.KeyType is { } type && !type.StartsWith("RSA", StringComparison.Ordinal))
        {
            report.Problem($"the key is {type}; KMS needs an RSA key (RSA or RSA-HSM)");
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => $"no answer within {s_stepTimeout.TotalSeconds:0} s",
        _ => KeyVaultErrors.ToRpcException(ex, CancellationToken.None).Status.Detail,
    };

    private static string Fix(Exception ex, string operation, KeyReference key) => ex switch
    {
        KeyVaultException { Status: 401 } => "Key Vault rejected the token: check that the cloud in azure.json matches the vault (token audience)",
        KeyVaultException { Status: 403 } kv when KeyVaultErrors.Classify(kv) == Grpc.Core.StatusCode.FailedPrecondition =>
            "the key version is disabled, expired or not yet valid: fix its attributes or choose another --key-version",
        KeyVaultException { Status: 403 } =>
            $"grant the identity keys/{operation} on the vault: the role \"Key Vault Crypto User\" (RBAC) or an access policy with Get, Encrypt and Decrypt",
        KeyVaultException { Status: 404 } => $"no key {key.Name} version {key.Version} in the vault: check --keyvault-name, --key-name and --key-version",
        KeyVaultException { Status: 0 } or OperationCanceledException =>
            "Key Vault is not reachable: check DNS, the firewall / private endpoint, and HTTPS_PROXY/NO_PROXY (or --proxy-mode)",
        _ => "see docs/troubleshooting.md",
    };

    private static void Require(string flag, string value)
    {
        if (value.Length == 0)
        {
            throw new ConfigurationException($"{flag} is required");
        }
    }
}
