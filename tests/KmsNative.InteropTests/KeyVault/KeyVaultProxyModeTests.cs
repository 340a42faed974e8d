// SPDX-License-Identifier: MIT
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// Azure/kubernetes-kms --proxy-mode: every call goes over plain HTTP to --proxy-address:--proxy-port (here the
/// emulator's plain-HTTP listener) as http://proxy/{vault host}/keys/… and http://proxy/{tenant}/oauth2/token, each
/// with x-azure-proxy-target, which the emulator requires and counts. The key_id stays the unproxied vault's.
/// </summary>
public sealed class KeyVaultProxyModeTests(KeyVaultFixture fixture) : IClassFixture<KeyVaultFixture>
{
    [Fact]
    public async Task ProxyMode_ClientSecret_RoundTripsWithProxyTargetsAndUnproxiedKeyId()
    {
        KeyVaultEmulatorProcess emulator = fixture.Emulator;
        Uri proxy = emulator.PlainHttpUrl;
        await emulator.ResetCountersAsync();
        // No HTTPS_PROXY: proxy mode alone must bring every request to the proxy.
        var environment = new Dictionary<string, string?> { ["HTTPS_PROXY"] = null };
        await using KmsNativeServer plugin = await KeyVaultPlugin.StartAsync(
            emulator, fixture.Key, KeyVaultPlugin.ClientSecretConfig(emulator), environment,
            "--proxy-mode", "--proxy-address", proxy.Host, "--proxy-port", proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using GrpcChannel channel = UdsGrpcChannel.Create(plugin.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);

        V2.StatusResponse status = await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel);
        V2.EncryptResponse encrypted = await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("proxied dek") }, KeyVaultPlugin.Options());
        V2.DecryptResponse decrypted = await client.DecryptAsync(KeyVaultRoundTripTests.DecryptRequest(encrypted), KeyVaultPlugin.Options());
        JsonElement counters = await emulator.GetCountersAsync();

        Assert.True(status.Healthz == "ok", $"healthz \"{status.Healthz}\"\n--- kmsnative ---\n{plugin.Output}");
        Assert.Equal(fixture.Key.GoKeyId, status.KeyId);
        Assert.Equal(fixture.Key.GoKeyId, encrypted.KeyId);
        Assert.Equal("proxied dek", decrypted.Plaintext.ToStringUtf8());
        // get (start-up check) + encrypt + decrypt through the proxy, and at least one AAD v1 token request.
        Assert.True(KeyVaultEmulatorProcess.Count(counters, "proxied", "KeyVault") >= 3, counters.ToString());
        Assert.True(KeyVaultEmulatorProcess.Count(counters, "proxied", "AzureActiveDirectory") >= 1, counters.ToString());
    }
}
