namespace KmsNative.Kms.Observability;

/// <summary>The Key Vault keys API calls the plugin makes; <see cref="Count"/> sizes arrays.</summary>
internal enum KeyVaultOperation
{
    /// <summary>POST …/keys/{name}/{version}/encrypt (or /wrapkey).</summary>
    Encrypt,

    /// <summary>POST …/decrypt (or /unwrapkey).</summary>
    Decrypt,

    GetKey,
    Other,
    Count,
}
