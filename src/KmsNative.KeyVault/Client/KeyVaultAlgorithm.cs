namespace KmsNative.KeyVault.Client;

/// <summary>The JSON Web Algorithms Key Vault accepts for RSA encrypt and decrypt.</summary>
internal static class KeyVaultAlgorithm
{
    /// <summary>PKCS#1 v1.5: the Go plugin's KMS v1beta1 algorithm, so v1 data in etcd decrypts only with it.</summary>
    public const string Rsa15 = "RSA1_5";

    public const string RsaOaep = "RSA-OAEP";

    /// <summary>OAEP with SHA-256: the Go plugin's KMS v2 algorithm.</summary>
    public const string RsaOaep256 = "RSA-OAEP-256";
}
