using System.Security.Cryptography;
using System.Text;

namespace KmsNative.Backend;

/// <summary>
/// The one Key Vault key the plugin uses, as the flags name it. <see cref="KeyIdHash"/> is the KMS v2 key_id that
/// Azure/kubernetes-kms derives from the same flag values, and that kube-apiserver stored next to every object:
/// lowercase hex SHA-256 of "https://{vault}.{suffix}/keys/{name}/{version}", never of a proxy URL.
/// </summary>
internal sealed record KeyReference(Uri VaultUrl, string Name, string Version)
{
    /// <summary>"https://{vault}.{suffix}/keys/{name}/{version}" exactly as the Go plugin concatenates it.</summary>
    public string KeyUrl => VaultUrl.AbsoluteUri.TrimEnd('/') + "/keys/" + Name + "/" + Version;

    public string KeyIdHash { get; } = Hash(VaultUrl.AbsoluteUri.TrimEnd('/') + "/keys/" + Name + "/" + Version);

    /// <summary>The same key at another version (a new instance, so <see cref="KeyIdHash"/> is computed for it).</summary>
    public KeyReference ForVersion(string version) => new(VaultUrl, Name, version);

    /// <summary>Lowercase hex SHA-256 of a Key Vault key URL.</summary>
    public static string Hash(string keyUrl) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(keyUrl)));
}
