// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using V1 = KmsNative.Kms.V1Beta1;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// docs/rotation.md, one instance, end to end: the published binary without --key-version against the emulator;
/// a new key version appears; Status reports its key id within the re-check interval; Encrypt answers with the
/// key id Status reports; every older ciphertext, v1 and v2, including one in the Go plugin's format, still decrypts;
/// and a plugin pinned to the new version decrypts the old ones too.
/// </summary>
public sealed class KeyVaultRotationTests(KeyVaultFixture fixture) : IClassFixture<KeyVaultFixture>
{
    [Fact]
    public async Task Versionless_NewVersion_StatusThenEncryptFollow_OlderCiphertextsDecrypt_PinnedToo()
    {
        SeededKey first = await fixture.Emulator.SeedKeyAsync("rotating");
        var versionless = first with { Version = "" };
        await using KmsNativeServer plugin = await KeyVaultPlugin.StartAsync(
            fixture.Emulator, versionless, KeyVaultPlugin.ClientSecretConfig(fixture.Emulator), null, "--key-recheck-interval=10s");
        using GrpcChannel channel = UdsGrpcChannel.Create(plugin.SocketPath);
        var v2 = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        var v1 = new V1.KeyManagementService.KeyManagementServiceClient(channel);

        V2.StatusResponse status = await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel);
        Assert.True(status.Healthz == "ok", status.Healthz + "\n" + plugin.Output);
        Assert.Equal(first.GoKeyId, status.KeyId);
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        V2.EncryptResponse oldV2 = await v2.EncryptAsync(new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(seed) }, KeyVaultPlugin.Options());
        V1.EncryptResponse oldV1 = await v1.EncryptAsync(new V1.EncryptRequest { Plain = ByteString.CopyFrom(dek) }, KeyVaultPlugin.Options());
        Assert.Equal(first.GoKeyId, oldV2.KeyId);
        V2.DecryptRequest goFormat = GoFormat(first, seed);

        SeededKey second = await fixture.Emulator.SeedKeyAsync("rotating"); // a new version of the same key
        status = await StatusUntilKeyIdAsync(v2, second.GoKeyId, TimeSpan.FromSeconds(60));
        Assert.True(status.KeyId == second.GoKeyId, $"Status still reports {status.KeyId}:\n{plugin.Output}");

        V2.EncryptResponse newV2 = await v2.EncryptAsync(new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(seed) }, KeyVaultPlugin.Options());
        Assert.Equal(status.KeyId, newV2.KeyId);
        Assert.Equal(seed, (await v2.DecryptAsync(KeyVaultRoundTripTests.DecryptRequest(newV2), KeyVaultPlugin.Options())).Plaintext.ToByteArray());
        Assert.Equal(seed, (await v2.DecryptAsync(KeyVaultRoundTripTests.DecryptRequest(oldV2), KeyVaultPlugin.Options())).Plaintext.ToByteArray());
        Assert.Equal(seed, (await v2.DecryptAsync(goFormat, KeyVaultPlugin.Options())).Plaintext.ToByteArray());
        Assert.Equal(dek, (await v1.DecryptAsync(new V1.DecryptRequest { Cipher = oldV1.Cipher }, KeyVaultPlugin.Options())).Plain.ToByteArray());

        // Pinned to the new version: encrypts with it, and still decrypts what the old version wrapped.
        await using KmsNativeServer pinned = await KeyVaultPlugin.StartAsync(fixture.Emulator, second, KeyVaultPlugin.ClientSecretConfig(fixture.Emulator));
        using GrpcChannel pinnedChannel = UdsGrpcChannel.Create(pinned.SocketPath);
        var pinnedV2 = new V2.KeyManagementService.KeyManagementServiceClient(pinnedChannel);
        var pinnedV1 = new V1.KeyManagementService.KeyManagementServiceClient(pinnedChannel);
        Assert.Equal(second.GoKeyId, (await KeyVaultPlugin.StatusAfterStartupCheckAsync(pinnedChannel)).KeyId);
        Assert.Equal(seed, (await pinnedV2.DecryptAsync(goFormat, KeyVaultPlugin.Options())).Plaintext.ToByteArray());
        Assert.Equal(dek, (await pinnedV1.DecryptAsync(new V1.DecryptRequest { Cipher = oldV1.Cipher }, KeyVaultPlugin.Options())).Plain.ToByteArray());
    }

    /// <summary>What Azure/kubernetes-kms stored: RSA-OAEP-256 under the version's public key, its key id, its annotations.</summary>
    private static V2.DecryptRequest GoFormat(SeededKey key, byte[] seed)
    {
        using RSA publicKey = key.CreatePublicKey();
        var request = new V2.DecryptRequest
        {
            Ciphertext = ByteString.CopyFrom(Encoding.ASCII.GetBytes(Base64Url.Encode(publicKey.Encrypt(seed, RSAEncryptionPadding.OaepSHA256)))),
            KeyId = key.GoKeyId,
        };
        request.Annotations.Add("date.azure.akv.io", ByteString.CopyFromUtf8("Mon, 02 Jan 2006 15:04:05 GMT"));
        request.Annotations.Add("x-ms-request-id.azure.akv.io", ByteString.CopyFromUtf8("6f7c0a8e-3d9b-4c2e-9a41-0b5e8f3d2c11"));
        request.Annotations.Add("x-ms-keyvault-region.azure.akv.io", ByteString.CopyFromUtf8("westeurope"));
        request.Annotations.Add("version.azure.akv.io", ByteString.CopyFromUtf8("1"));
        request.Annotations.Add("algorithm.azure.akv.io", ByteString.CopyFromUtf8("RSA-OAEP-256"));
        return request;
    }

    private static async Task<V2.StatusResponse> StatusUntilKeyIdAsync(V2.KeyManagementService.KeyManagementServiceClient client, string keyId, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (true)
        {
            V2.StatusResponse status = await client.StatusAsync(new V2.StatusRequest(), KeyVaultPlugin.Options());
            if (status.KeyId == keyId || DateTime.UtcNow > until)
            {
                return status;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }
}
