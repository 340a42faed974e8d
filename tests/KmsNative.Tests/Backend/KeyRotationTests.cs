using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Backend;

/// <summary>One instance, every version of the key: versionless rotation and decrypting older versions, on a fake clock.</summary>
public sealed class KeyRotationTests : StubVaultBackendTests
{
    private static string KeyId(string version) => new KeyReference(VaultUrl, "mykey", version).KeyIdHash;

    private KeyVaultBackend Start(string version)
    {
        KeyVaultBackend backend = CreateBackend(key: new KeyReference(VaultUrl, "mykey", version));
        backend.Start();
        return backend;
    }

    private static DecryptInput V2Input(RSA rsa, byte[] seed, string keyId) => new(
        Encoding.ASCII.GetBytes(StubKeyVault.B64(rsa.Encrypt(seed, RSAEncryptionPadding.OaepSHA256))),
        keyId,
        new Dictionary<string, ByteString>
        {
            ["version.azure.akv.io"] = ByteString.CopyFromUtf8("1"),
            ["algorithm.azure.akv.io"] = ByteString.CopyFromUtf8("RSA-OAEP-256"),
        });

    private static DecryptInput V1Input(RSA rsa, byte[] dek) =>
        new(Encoding.ASCII.GetBytes(StubKeyVault.B64(rsa.Encrypt(dek, RSAEncryptionPadding.Pkcs1))), "", new Dictionary<string, ByteString>());

    [Fact]
    public async Task Versionless_NewVersion_StatusReportsItFirst_ThenEncryptUsesIt_OldCiphertextsStillDecrypt()
    {
        KeyVaultBackend backend = Start("");
        Assert.True(await Checks.Reader.ReadAsync());
        Assert.Equal(KeyId("ABCD"), (await backend.GetStatusAsync(CancellationToken.None)).KeyId);
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        EncryptedDek before = await backend.EncryptAsync(KmsApiVersion.V2, seed, CancellationToken.None);
        Assert.Equal(KeyId("ABCD"), before.KeyId);
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        DecryptInput oldV1 = V1Input(Vault.Rsa, dek);

        Vault.AddVersion("EFGH");
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await Checks.Reader.ReadAsync());

        // Found, but not reported yet: Encrypt keeps the key id Status reported.
        Assert.Equal(KeyId("ABCD"), (await backend.EncryptAsync(KmsApiVersion.V2, seed, CancellationToken.None)).KeyId);
        Assert.Equal(KeyId("EFGH"), (await backend.GetStatusAsync(CancellationToken.None)).KeyId);
        EncryptedDek after = await backend.EncryptAsync(KmsApiVersion.V2, seed, CancellationToken.None);
        Assert.Equal(KeyId("EFGH"), after.KeyId);

        // Go-plugin-format ciphertexts of the old version (key id + the two checked annotations) still decrypt, v2 and v1.
        var goV2 = new DecryptInput(before.Ciphertext, before.KeyId, before.Annotations.ToDictionary(a => a.Key, a => ByteString.CopyFrom(a.Value)));
        Assert.Equal(seed, await backend.DecryptAsync(KmsApiVersion.V2, goV2, CancellationToken.None));
        Assert.Equal(dek, await backend.DecryptAsync(KmsApiVersion.V1Beta1, oldV1, CancellationToken.None));
    }

    [Fact]
    public async Task Versionless_FailingCheck_KeepsTheLastKeyId()
    {
        KeyVaultBackend backend = Start("");
        Assert.True(await Checks.Reader.ReadAsync());
        Vault.AddVersion("EFGH");
        Vault.ListFailure = System.Net.HttpStatusCode.InternalServerError;

        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(await Checks.Reader.ReadAsync());

        BackendStatus status = await backend.GetStatusAsync(CancellationToken.None);
        Assert.False(status.Healthy);
        Assert.Equal(KeyId("ABCD"), status.KeyId);
        Assert.Equal(KeyId("ABCD"), (await backend.EncryptAsync(KmsApiVersion.V2, new byte[32], CancellationToken.None)).KeyId);
    }

    [Fact]
    public async Task Pinned_V2CiphertextOfAnotherVersion_DecryptsByItsKeyId_UnknownKeyIdListsAtMostOncePerMinute()
    {
        RSA newer = Vault.AddVersion("EFGH");
        KeyVaultBackend backend = Start("ABCD");
        byte[] seed = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(seed, await backend.DecryptAsync(KmsApiVersion.V2, V2Input(newer, seed, KeyId("EFGH")), CancellationToken.None));
        Assert.Equal(KeyId("ABCD"), (await backend.EncryptAsync(KmsApiVersion.V2, seed, CancellationToken.None)).KeyId); // pinned encrypts as the Go plugin

        for (int i = 0; i < 3; i++)
        {
            RpcException error = await Assert.ThrowsAsync<RpcException>(async () =>
                await backend.DecryptAsync(KmsApiVersion.V2, V2Input(newer, seed, "unknown"), CancellationToken.None));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal($"key id unknown does not match expected key id {KeyId("ABCD")} used for encryption", error.Status.Detail);
        }

        Assert.Equal(1, Vault.Requests.Count(r => r.Uri.Contains("/versions", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Pinned_V1CiphertextOfAnOlderVersion_TriedAfterTheCurrentRefuses_OnlyAPlausibleDekIsAccepted()
    {
        RSA older = Vault.Rsa;
        Vault.AddVersion("EFGH");
        KeyVaultBackend backend = Start("EFGH");
        byte[] dek = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(dek, await backend.DecryptAsync(KmsApiVersion.V1Beta1, V1Input(older, dek), CancellationToken.None));

        // 16 bytes is not a DEK kube-apiserver wraps: an older version's "success" with it is not returned.
        RpcException error = await Assert.ThrowsAsync<RpcException>(async () =>
            await backend.DecryptAsync(KmsApiVersion.V1Beta1, V1Input(older, new byte[16]), CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}
