// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using V1 = KmsNative.Kms.V1Beta1;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>Local encrypt (--local-encrypt, the default): no Key Vault encrypt, and Key Vault itself decrypts the output, v2 and v1.</summary>
public sealed class KeyVaultLocalEncryptTests(KeyVaultFixture fixture) : IClassFixture<KeyVaultFixture>
{
    [Fact]
    public async Task Encrypt_Local_NoKeyVaultEncrypt_KeyVaultDecryptsTheOutput()
    {
        await using KmsNativeServer plugin = await KeyVaultPlugin.StartAsync(
            fixture.Emulator, fixture.Key, KeyVaultPlugin.ClientSecretConfig(fixture.Emulator), null, "--local-encrypt=true");
        using GrpcChannel channel = UdsGrpcChannel.Create(plugin.SocketPath);
        Assert.Equal("ok", (await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel)).Healthz);
        var v2 = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        var v1 = new V1.KeyManagementService.KeyManagementServiceClient(channel);
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        await fixture.Emulator.ResetCountersAsync();

        V2.EncryptResponse encryptedV2 = await v2.EncryptAsync(new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(dek) }, KeyVaultPlugin.Options());
        V1.EncryptResponse encryptedV1 = await v1.EncryptAsync(new V1.EncryptRequest { Plain = ByteString.CopyFrom(dek) }, KeyVaultPlugin.Options());

        JsonElement counters = await fixture.Emulator.GetCountersAsync();
        Assert.True(KeyVaultEmulatorProcess.Count(counters, "requests", "encrypt") == 0, plugin.Output);
        Assert.Equal(fixture.Key.GoKeyId, encryptedV2.KeyId);
        Assert.Equal("local", encryptedV2.Annotations["x-ms-keyvault-region.azure.akv.io"].ToStringUtf8());
        Assert.Equal("RSA-OAEP-256", encryptedV2.Annotations["algorithm.azure.akv.io"].ToStringUtf8());
        Assert.Equal(342, encryptedV2.Ciphertext.Length);
        Assert.Equal(dek, await fixture.Emulator.DecryptWithKeyVaultAsync(fixture.Key, "RSA-OAEP-256", Encoding.ASCII.GetString(encryptedV2.Ciphertext.Span)));
        Assert.Equal(dek, await fixture.Emulator.DecryptWithKeyVaultAsync(fixture.Key, "RSA1_5", Encoding.ASCII.GetString(encryptedV1.Cipher.Span)));
        Assert.Equal(dek, (await v2.DecryptAsync(KeyVaultRoundTripTests.DecryptRequest(encryptedV2), KeyVaultPlugin.Options())).Plaintext.ToByteArray());
    }
}
