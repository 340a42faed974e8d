using System.Security.Cryptography;

namespace KmsNative.KeyVaultEmulator.Keys;

/// <summary>
/// One version of a key. The RSA object is the private key and is owned by this version for the emulator's lifetime.
/// Mutable attributes are guarded by the owning <see cref="KeyEntry"/>'s lock.
/// </summary>
internal sealed class KeyVersion
{
    public KeyVersion(string version, string kty, RSA rsa, IReadOnlyList<string> keyOps, DateTimeOffset created)
    {
        Version = version;
        Kty = kty;
        Rsa = rsa;
        KeyOps = keyOps;
        Created = created;
        Updated = created;
    }

    /// <summary>32 lowercase hex characters, like Key Vault.</summary>
    public string Version { get; }

    /// <summary>"RSA" or "RSA-HSM", as requested at creation.</summary>
    public string Kty { get; }

    public RSA Rsa { get; }

    public IReadOnlyList<string> KeyOps { get; set; }

    public bool Enabled { get; set; } = true;

    public DateTimeOffset? Expires { get; set; }

    public DateTimeOffset? NotBefore { get; set; }

    public DateTimeOffset Created { get; }

    public DateTimeOffset Updated { get; set; }

    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);

    public static string NewVersionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
