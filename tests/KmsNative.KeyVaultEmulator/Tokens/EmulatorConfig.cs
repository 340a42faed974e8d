using System.Text.Json;

namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>
/// The <c>--config</c> file. Property names are matched case-insensitively. Every part is optional;
/// <see cref="CreateDefault"/> is what the emulator uses without a file.
/// </summary>
internal sealed class EmulatorConfig
{
    public const string DefaultTenantId = "11111111-2222-3333-4444-555555555555";
    public const string DefaultClientId = "aaaaaaaa-bbbb-cccc-dddd-000000000001";
    public const string DefaultClientSecret = "emulator-client-secret";
    public const string DefaultSystemIdentityClientId = "aaaaaaaa-bbbb-cccc-dddd-0000000000a1";
    public const string DefaultUserIdentityClientId = "aaaaaaaa-bbbb-cccc-dddd-0000000000b1";
    public const string DefaultUserIdentityResourceId =
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/emulator/providers/Microsoft.ManagedIdentity/userAssignedIdentities/emulator-identity";

    /// <summary>The issuer value that means "tokens minted by POST /_emulator/federated-token".</summary>
    public const string SelfIssuer = "self";

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public List<TenantConfig> Tenants { get; init; } = [];

    public ManagedIdentityConfig ManagedIdentities { get; init; } = new();

    /// <summary>Token audiences Key Vault accepts; the first is the resource named in the 401 challenge.</summary>
    public List<string> VaultResources { get; init; } =
        ["https://vault.azure.net", "https://managedhsm.azure.net", "https://vault.usgovcloudapi.net", "https://vault.azure.cn"];

    public static EmulatorConfig Load(string path) =>
        JsonSerializer.Deserialize<EmulatorConfig>(File.ReadAllText(path), s_options)
        ?? throw new InvalidDataException($"{path}: empty configuration");

    public static EmulatorConfig CreateDefault() => new()
    {
        Tenants =
        [
            new TenantConfig
            {
                Id = DefaultTenantId,
                Clients =
                [
                    new ClientConfig
                    {
                        ClientId = DefaultClientId,
                        Secret = DefaultClientSecret,
                        ObjectId = "bbbbbbbb-0000-0000-0000-000000000001",
                        Federated = [new FederatedCredentialConfig { Issuer = SelfIssuer, Subject = "*" }],
                    },
                ],
            },
        ],
        ManagedIdentities = new ManagedIdentityConfig
        {
            TenantId = DefaultTenantId,
            SystemAssigned = new IdentityConfig
            {
                ClientId = DefaultSystemIdentityClientId,
                ObjectId = "bbbbbbbb-0000-0000-0000-0000000000a1",
            },
            UserAssigned =
            [
                new IdentityConfig
                {
                    ClientId = DefaultUserIdentityClientId,
                    ObjectId = "bbbbbbbb-0000-0000-0000-0000000000b1",
                    ResourceId = DefaultUserIdentityResourceId,
                },
            ],
        },
    };
}
