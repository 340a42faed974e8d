namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>A federated identity credential: accepts a client assertion with this iss, sub and aud.</summary>
internal sealed class FederatedCredentialConfig
{
    /// <summary>Issuer URL, or "self" for tokens from POST /_emulator/federated-token.</summary>
    public string Issuer { get; init; } = "";

    /// <summary>Exact subject, or "*" for any.</summary>
    public string Subject { get; init; } = "";

    public string Audience { get; init; } = "api://AzureADTokenExchange";

    /// <summary>PEM public key or certificate of the issuer; when absent only iss/sub/aud/exp are checked (except "self").</summary>
    public string? SigningKeyPem { get; init; }
}
