namespace KmsNative.KeyVaultEmulator.Tokens;

internal sealed class TenantConfig
{
    public string Id { get; init; } = "";

    public List<ClientConfig> Clients { get; init; } = [];
}
