// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Net.Client;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// Each way the plugin gets a Key Vault token, against the emulator's token endpoints: client secret, client
/// certificate (PFX with password), user- and system-assigned managed identity (IMDS via
/// AZURE_POD_IDENTITY_AUTHORITY_HOST), and workload identity (AZURE_FEDERATED_TOKEN_FILE and friends).
/// </summary>
public sealed class KeyVaultIdentityTests(KeyVaultIdentityFixture fixture) : IClassFixture<KeyVaultIdentityFixture>
{
    public static TheoryData<string> Modes() =>
        ["client-secret", "client-secret-msal-force-region", "client-certificate", "managed-identity-user-assigned", "managed-identity-system-assigned", "workload-identity"];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Identity_Mode_StatusOkAndRoundTrips(string mode)
    {
        KeyVaultEmulatorProcess emulator = fixture.Emulator;
        string imds = emulator.PlainHttpUrl.ToString().TrimEnd('/');
        (JsonObject azureJson, Dictionary<string, string?> environment, string counter) = mode switch
        {
            "client-secret" => (new JsonObject
            {
                ["tenantId"] = KeyVaultIdentityFixture.TenantId,
                ["aadClientId"] = KeyVaultIdentityFixture.SecretClientId,
                ["aadClientSecret"] = "emulator-client-secret",
            }, new Dictionary<string, string?>(), "token"),
            // MSAL would ask IMDS for a region and call a regional endpoint; the binary has MSAL's region code cut
            // (ILLink.Substitutions.xml), so the plugin must switch regions off and keep to the global endpoint.
            "client-secret-msal-force-region" => (new JsonObject
            {
                ["tenantId"] = KeyVaultIdentityFixture.TenantId,
                ["aadClientId"] = KeyVaultIdentityFixture.SecretClientId,
                ["aadClientSecret"] = "emulator-client-secret",
            }, new Dictionary<string, string?> { ["MSAL_FORCE_REGION"] = "TryAutoDetect" }, "token"),
            "client-certificate" => (new JsonObject
            {
                ["tenantId"] = KeyVaultIdentityFixture.TenantId,
                ["aadClientId"] = KeyVaultIdentityFixture.CertificateClientId,
                ["aadClientCertPath"] = fixture.PfxPath,
                ["aadClientCertPassword"] = KeyVaultIdentityFixture.PfxPassword,
            }, new Dictionary<string, string?>(), "token"),
            "managed-identity-user-assigned" => (new JsonObject
            {
                ["useManagedIdentityExtension"] = true,
                ["userAssignedIdentityID"] = KeyVaultIdentityFixture.UserAssignedClientId,
            }, new Dictionary<string, string?> { ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = imds }, "imds"),
            "managed-identity-system-assigned" => (new JsonObject { ["useManagedIdentityExtension"] = true },
                new Dictionary<string, string?> { ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = imds }, "imds"),
            "workload-identity" => (new JsonObject { ["cloud"] = "AzurePublicCloud" }, new Dictionary<string, string?>
            {
                ["AZURE_FEDERATED_TOKEN_FILE"] = await MintFederatedTokenFileAsync(emulator),
                ["AZURE_CLIENT_ID"] = KeyVaultIdentityFixture.SecretClientId,
                ["AZURE_TENANT_ID"] = KeyVaultIdentityFixture.TenantId,
            }, "token"),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        long tokensBefore = KeyVaultEmulatorProcess.Count(await emulator.GetCountersAsync(), "requests", counter);
        await using KmsNativeServer plugin = await KeyVaultPlugin.StartAsync(emulator, fixture.Key, azureJson, environment);
        using GrpcChannel channel = UdsGrpcChannel.Create(plugin.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);

        V2.StatusResponse status = await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel);
        ByteString dek = ByteString.CopyFromUtf8($"dek for {mode}");
        V2.EncryptResponse encrypted = await client.EncryptAsync(new V2.EncryptRequest { Plaintext = dek }, KeyVaultPlugin.Options());
        V2.DecryptResponse decrypted = await client.DecryptAsync(KeyVaultRoundTripTests.DecryptRequest(encrypted), KeyVaultPlugin.Options());
        long tokensAfter = KeyVaultEmulatorProcess.Count(await emulator.GetCountersAsync(), "requests", counter);

        Assert.True(status.Healthz == "ok", $"{mode}: healthz \"{status.Healthz}\"\n--- kmsnative ---\n{plugin.Output}");
        Assert.Equal(fixture.Key.GoKeyId, status.KeyId);
        Assert.Equal(dek, decrypted.Plaintext);
        Assert.True(tokensAfter > tokensBefore, $"{mode}: no '{counter}' request reached the emulator");
        if (environment.ContainsKey("MSAL_FORCE_REGION"))
        {
            Assert.Contains("MSAL_FORCE_REGION ignored", plugin.Output, StringComparison.Ordinal);
        }
        (int exitCode, _) = await plugin.StopAsync();
        Assert.Equal(0, exitCode);
    }

    private static async Task<string> MintFederatedTokenFileAsync(KeyVaultEmulatorProcess emulator)
    {
        string file = KeyVaultPlugin.WriteFile(emulator, "federated-token", "");
        await emulator.MintFederatedTokenAsync(file);
        return file;
    }
}
