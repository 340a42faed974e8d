using System.Buffers;

namespace KmsNative.KeyVault.Configuration;

/// <summary>
/// One cloud environment, already narrowed to what the plugin talks to: Key Vault, or Managed HSM when
/// <see cref="IsManagedHsm"/> (contract 1.b.3). Built by <see cref="AzureClouds.Resolve"/>.
/// </summary>
/// <param name="Name">The canonical name (<c>AzurePublicCloud</c>, …) or the <c>name</c> of an Azure Stack file.</param>
/// <param name="ActiveDirectoryEndpoint">The AAD authority host, ending in '/'.</param>
/// <param name="KeyVaultDnsSuffix">Vault host suffix: <c>vault.azure.net</c>, or <c>managedhsm.azure.net</c> for HSM.</param>
/// <param name="KeyVaultResource">Token audience, no trailing slash: <c>https://vault.azure.net</c>.</param>
/// <param name="IsManagedHsm">Whether the suffix and resource are the Managed HSM pair.</param>
/// <param name="IsAzureStack">Read from <c>AZURE_ENVIRONMENT_FILEPATH</c>; its AAD may be ADFS.</param>
internal sealed record AzureCloud(
    string Name,
    Uri ActiveDirectoryEndpoint,
    string KeyVaultDnsSuffix,
    string KeyVaultResource,
    bool IsManagedHsm,
    bool IsAzureStack)
{
    private static readonly SearchValues<char> s_vaultNameChars =
        SearchValues.Create("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>The scope to ask a <see cref="Azure.Core.TokenCredential"/> for: the resource plus <c>/.default</c>.</summary>
    public string TokenScope => KeyVaultResource + "/.default";

    /// <summary>
    /// The Go plugin's vault name check: 3 to 24 characters matching <c>^[-A-Za-z0-9]+$</c>. Like the Go plugin, it does
    /// not enforce Azure's further rules (leading letter, no <c>--</c>); the vault itself rejects such names.
    /// </summary>
    public static bool IsValidVaultName(string vaultName) =>
        vaultName.Length is >= 3 and <= 24 && !vaultName.AsSpan().ContainsAnyExcept(s_vaultNameChars);

    /// <summary>
    /// <c>https://{vaultName}.{KeyVaultDnsSuffix}/</c>, with the name's case preserved: the v2 key_id hashes this URL
    /// (contract 1.c.2), so it must be built exactly as the Go plugin builds it.
    /// </summary>
    /// <exception cref="ConfigurationException">The name fails <see cref="IsValidVaultName"/>.</exception>
    public Uri GetVaultUri(string vaultName)
    {
        if (!IsValidVaultName(vaultName))
        {
            throw new ConfigurationException(
                $"--keyvault-name \"{vaultName}\" is not a valid vault name: it must be 3 to 24 letters, digits or hyphens");
        }

        return new Uri($"https://{vaultName}.{KeyVaultDnsSuffix}/", UriKind.Absolute);
    }
}
