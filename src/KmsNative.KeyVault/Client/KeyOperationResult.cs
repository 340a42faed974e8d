namespace KmsNative.KeyVault.Client;

/// <summary>
/// The answer to encrypt or decrypt: the key id Key Vault used, the result (for encrypt
/// the base64url text exactly as the service sent it, since the Go plugin stores those ASCII bytes as the ciphertext),
/// and the response headers the Go plugin copies into KMS v2 annotations.
/// </summary>
internal sealed record KeyOperationResult(string KeyId, string Value, string? Date, string? RequestId, string? Region);
