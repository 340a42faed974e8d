namespace KmsNative.KeyVaultEmulator.Tokens;

internal sealed class ClientConfig
{
    public string ClientId { get; init; } = "";

    public string? ObjectId { get; init; }

    public string? Secret { get; init; }

    /// <summary>PEM public certificates; a client assertion must be signed by the key of one of them.</summary>
    public List<string> Certificates { get; init; } = [];

    public List<FederatedCredentialConfig> Federated { get; init; } = [];
}
