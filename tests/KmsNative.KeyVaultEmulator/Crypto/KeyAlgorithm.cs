using System.Security.Cryptography;

namespace KmsNative.KeyVaultEmulator.Crypto;

/// <summary>
/// The Key Vault RSA encryption algorithms (JWA, RFC 7518 §4.2 and §4.3) mapped to .NET paddings.
/// Key Vault uses the same padding for encrypt/decrypt and wrapKey/unwrapKey on RSA keys.
/// </summary>
internal static class KeyAlgorithm
{
    public const string Rsa15 = "RSA1_5";
    public const string RsaOaep = "RSA-OAEP";
    public const string RsaOaep256 = "RSA-OAEP-256";

    public static bool TryGetPadding(string? alg, out RSAEncryptionPadding padding)
    {
        // Key Vault matches algorithm names case-sensitively.
        padding = alg switch
        {
            Rsa15 => RSAEncryptionPadding.Pkcs1,
            RsaOaep => RSAEncryptionPadding.OaepSHA1,
            RsaOaep256 => RSAEncryptionPadding.OaepSHA256,
            _ => null!,
        };
        return padding is not null;
    }

    /// <summary>Largest plaintext for a modulus of <paramref name="modulusBytes"/> (RFC 8017 §7.1.1 and §7.2.1).</summary>
    public static int MaxPlaintextLength(RSAEncryptionPadding padding, int modulusBytes)
    {
        if (padding == RSAEncryptionPadding.Pkcs1)
        {
            return modulusBytes - 11;
        }
        int hashLength = padding == RSAEncryptionPadding.OaepSHA1 ? 20 : 32;
        return modulusBytes - (2 * hashLength) - 2;
    }
}
