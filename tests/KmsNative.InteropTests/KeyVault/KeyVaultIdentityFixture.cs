// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// An emulator configured with every identity the plugin can use: a client with a secret that also accepts
/// federated tokens the emulator mints, a client registered with a certificate (whose PFX, with a password, the
/// plugin gets), and system- and user-assigned managed identities on its IMDS listener. Key "kek" is seeded.
/// </summary>
public sealed class KeyVaultIdentityFixture : IAsyncLifetime
{
    public const string TenantId = "11111111-2222-3333-4444-555555555555";
    public const string SecretClientId = "aaaaaaaa-bbbb-cccc-dddd-000000000001";
    public const string CertificateClientId = "aaaaaaaa-bbbb-cccc-dddd-0000000000c1";
    public const string SystemAssignedClientId = "aaaaaaaa-bbbb-cccc-dddd-0000000000a1";
    public const string UserAssignedClientId = "aaaaaaaa-bbbb-cccc-dddd-0000000000b1";
    public const string PfxPassword = "pfx-password-e2e";

    private KeyVaultEmulatorProcess? _emulator;
    private SeededKey? _key;

    internal KeyVaultEmulatorProcess Emulator => _emulator ?? throw new InvalidOperationException("Fixture not initialized.");

    internal SeededKey Key => _key ?? throw new InvalidOperationException("Fixture not initialized.");

    /// <summary>The client certificate and its RSA key as a password-protected PKCS#12 file.</summary>
    internal string PfxPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        using RSA rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=kmsnative-e2e", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var config = new JsonObject
        {
            ["tenants"] = new JsonArray(new JsonObject
            {
                ["id"] = TenantId,
                ["clients"] = new JsonArray(
                    new JsonObject
                    {
                        ["clientId"] = SecretClientId,
                        ["secret"] = "emulator-client-secret",
                        ["federated"] = new JsonArray(new JsonObject { ["issuer"] = "self", ["subject"] = "*" }),
                    },
                    new JsonObject
                    {
                        ["clientId"] = CertificateClientId,
                        ["certificates"] = new JsonArray(certificate.ExportCertificatePem()),
                    }),
            }),
            ["managedIdentities"] = new JsonObject
            {
                ["tenantId"] = TenantId,
                ["systemAssigned"] = new JsonObject { ["clientId"] = SystemAssignedClientId },
                ["userAssigned"] = new JsonArray(new JsonObject { ["clientId"] = UserAssignedClientId }),
            },
        };

        _emulator = await KeyVaultEmulatorProcess.StartAsync(config.ToJsonString());
        PfxPath = KeyVaultPlugin.WriteFile(_emulator, "client.pfx", "");
        await File.WriteAllBytesAsync(PfxPath, certificate.Export(X509ContentType.Pfx, PfxPassword));
        _key = await _emulator.SeedKeyAsync("kek");
    }

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }
}
