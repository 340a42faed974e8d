// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Net.Client;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// Every cloud of azure.json's "cloud" against the emulator: the plugin builds that cloud's vault URL and AAD authority
/// and asks for a token for that cloud's Key Vault resource; the CONNECT proxy brings it all to the emulator, whose
/// certificate names each cloud's hosts. The key id must be the hash of that cloud's key URL.
/// </summary>
public sealed class KeyVaultCloudTests(KeyVaultCloudFixture fixture) : IClassFixture<KeyVaultCloudFixture>
{
    public static TheoryData<string, string> Clouds() => new()
    {
        { "AzurePublicCloud", "vault.azure.net" },
        { "AzureCloud", "vault.azure.net" },
        { "AzureUSGovernmentCloud", "vault.usgovcloudapi.net" },
        { "AzureUSGovernment", "vault.usgovcloudapi.net" },
        { "AzureChinaCloud", "vault.azure.cn" },
        { "AzureGermanCloud", "vault.microsoftazure.de" },
        { "AzureStackCloud", "vault.stack.test" },
    };

    [Theory]
    [MemberData(nameof(Clouds))]
    public async Task Cloud_StatusOkWithThatCloudsKeyIdAndRoundTrips(string cloud, string vaultSuffix)
    {
        KeyVaultEmulatorProcess emulator = fixture.Emulator;
        var azureJson = new JsonObject
        {
            ["cloud"] = cloud,
            ["tenantId"] = emulator.TenantId,
            ["aadClientId"] = emulator.ClientId,
            ["aadClientSecret"] = emulator.ClientSecret,
        };
        var environment = new Dictionary<string, string?>();
        if (cloud == "AzureStackCloud")
        {
            environment["AZURE_ENVIRONMENT_FILEPATH"] = KeyVaultPlugin.WriteFile(emulator, "stack.json", """
                {
                  "name": "AzureStackCloud",
                  "activeDirectoryEndpoint": "https://login.stack.test/",
                  "keyVaultDNSSuffix": "vault.stack.test",
                  "resourceIdentifiers": { "keyVault": "https://vault.stack.test" }
                }
                """);
        }

        await using KmsNativeServer plugin = await KeyVaultPlugin.StartAsync(emulator, fixture.Key, azureJson, environment);
        using GrpcChannel channel = UdsGrpcChannel.Create(plugin.SocketPath);
        V2.StatusResponse status = await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel);

        string keyUrl = $"https://{SeededKey.VaultName}.{vaultSuffix}/keys/{fixture.Key.Name}/{fixture.Key.Version}";
        Assert.True(status.Healthz == "ok", $"healthz: {status.Healthz}\n{plugin.Output}");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(keyUrl))), status.KeyId);

        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        V2.EncryptResponse encrypted = await client.EncryptAsync(new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(seed) }, KeyVaultPlugin.Options());
        Assert.Equal(status.KeyId, encrypted.KeyId);
        var decrypt = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId };
        decrypt.Annotations.Add(encrypted.Annotations);
        V2.DecryptResponse decrypted = await client.DecryptAsync(decrypt, KeyVaultPlugin.Options());
        Assert.Equal(seed, decrypted.Plaintext.ToByteArray());
    }
}

/// <summary>One emulator whose certificate and token audiences cover every cloud's Key Vault and AAD hosts.</summary>
public sealed class KeyVaultCloudFixture : IAsyncLifetime
{
    private const string CloudHostNames =
        "*.vault.azure.net,login.microsoftonline.com," +
        "*.vault.usgovcloudapi.net,login.microsoftonline.us," +
        "*.vault.azure.cn,login.chinacloudapi.cn,login.partner.microsoftonline.cn," +
        "*.vault.microsoftazure.de,login.microsoftonline.de," +
        "*.vault.stack.test,login.stack.test";

    private KeyVaultEmulatorProcess? _emulator;
    private SeededKey? _key;

    internal KeyVaultEmulatorProcess Emulator => _emulator ?? throw new InvalidOperationException("Fixture not initialized.");

    internal SeededKey Key => _key ?? throw new InvalidOperationException("Fixture not initialized.");

    public async Task InitializeAsync()
    {
        var config = new JsonObject
        {
            ["tenants"] = new JsonArray(new JsonObject
            {
                ["id"] = "11111111-2222-3333-4444-555555555555",
                ["clients"] = new JsonArray(new JsonObject { ["clientId"] = "aaaaaaaa-bbbb-cccc-dddd-000000000001", ["secret"] = "emulator-client-secret" }),
            }),
            ["vaultResources"] = new JsonArray("https://vault.azure.net", "https://vault.usgovcloudapi.net", "https://vault.azure.cn",
                "https://vault.microsoftazure.de", "https://vault.stack.test"),
        };
        _emulator = await KeyVaultEmulatorProcess.StartAsync(config.ToJsonString(), CloudHostNames);
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
