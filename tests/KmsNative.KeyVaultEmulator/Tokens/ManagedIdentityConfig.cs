namespace KmsNative.KeyVaultEmulator.Tokens;

internal sealed class ManagedIdentityConfig
{
    public string TenantId { get; init; } = EmulatorConfig.DefaultTenantId;

    /// <summary>Null means the "VM" has no system-assigned identity.</summary>
    public IdentityConfig? SystemAssigned { get; init; }

    public List<IdentityConfig> UserAssigned { get; init; } = [];
}
