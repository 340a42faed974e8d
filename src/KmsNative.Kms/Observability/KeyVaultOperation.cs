namespace KmsNative.Kms.Observability;

/// <summary>
/// The Key Vault keys API calls the plugin makes, for the request metrics and the backend's counters alike;
/// <see cref="Count"/> sizes arrays.
/// </summary>
internal enum KeyVaultOperation
{
    /// <summary>POST …/keys/{name}/{version}/encrypt (or /wrapkey).</summary>
    Encrypt,

    /// <summary>POST …/decrypt (or /unwrapkey).</summary>
    Decrypt,

    GetKey,

    /// <summary>GET …/keys/{name}/versions. The metrics policy counts it under get_key (docs/operations.md).</summary>
    ListVersions,

    Other,
    Count,
}
