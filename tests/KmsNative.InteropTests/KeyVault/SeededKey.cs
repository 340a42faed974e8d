// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>A key seeded into the emulator: its version and public part (base64url modulus and exponent).</summary>
internal sealed record SeededKey(string Name, string Version, string N, string E)
{
    /// <summary>The vault every test uses: https://kmsdemo.vault.azure.net, reached through the emulator.</summary>
    public const string VaultName = "kmsdemo";

    /// <summary>Azure's key URL for this key, which the Go plugin hashes into the v2 key_id.</summary>
    public string KeyUrl => $"https://{VaultName}.vault.azure.net/keys/{Name}/{Version}";

    /// <summary>Azure/kubernetes-kms's key_id: lowercase hex SHA-256 of <see cref="KeyUrl"/>.</summary>
    public string GoKeyId => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(KeyUrl)));

    /// <summary>An RSA public key from <see cref="N"/> and <see cref="E"/> only, as any client of Key Vault would get it.</summary>
    public RSA CreatePublicKey() =>
        RSA.Create(new RSAParameters { Modulus = Base64Url.Decode(N), Exponent = Base64Url.Decode(E) });
}
