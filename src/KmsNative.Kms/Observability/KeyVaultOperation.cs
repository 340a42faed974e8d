namespace KmsNative.Kms.Observability;

/// <summary>The Key Vault keys API calls the plugin makes; <see cref="Count"/> sizes arrays.</summary>
internal enum KeyVaultOperation
{
    WrapKey,
    UnwrapKey,
    GetKey,
    Other,
    Count,
}
