namespace KmsNative.KeyVaultEmulator.Tokens;

internal sealed class IdentityConfig
{
    public string ClientId { get; init; } = "";

    public string? ObjectId { get; init; }

    public string? ResourceId { get; init; }
}
