using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Google.Protobuf;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Backend;

/// <summary>Encrypt with the key's public part: no Key Vault call, Key Vault's output format, only while the key allows it.</summary>
public sealed class LocalEncryptTests : StubVaultBackendTests
{
    private async Task<KeyVaultBackend> StartAsync(bool localEncrypt = true)
    {
        KeyVaultBackend backend = CreateBackend(new BackendSettings { LocalEncrypt = localEncrypt });
        backend.Start();
        await Checks.Reader.ReadAsync();
        return backend;
    }

    [Fact]
    public async Task EncryptV2AndV1_AfterACheck_NoKeyVaultCall_OutputDecryptsAsKeyVaultsWould()
    {
        KeyVaultBackend backend = await StartAsync();
        int encrypts = Vault.Count("encrypt"); // the canary's
        byte[] seed = RandomNumberGenerator.GetBytes(32);

        EncryptedDek v2 = await backend.EncryptAsync(KmsApiVersion.V2, seed, CancellationToken.None);
        EncryptedDek v1 = await backend.EncryptAsync(KmsApiVersion.V1Beta1, seed, CancellationToken.None);

        Assert.Equal(encrypts, Vault.Count("encrypt"));
        Assert.Equal(2, backend.Counters.LocalEncrypts);
        Assert.Equal(0, backend.Counters.RemoteEncrypts);
        Assert.Equal(342, v2.Ciphertext.Length);
        Assert.Equal(seed, Vault.Rsa.Decrypt(System.Buffers.Text.Base64Url.DecodeFromChars(Encoding.ASCII.GetString(v2.Ciphertext)), RSAEncryptionPadding.OaepSHA256));
        Assert.Equal(seed, Vault.Rsa.Decrypt(System.Buffers.Text.Base64Url.DecodeFromChars(Encoding.ASCII.GetString(v1.Ciphertext)), RSAEncryptionPadding.Pkcs1));
        Assert.Equal(Key.KeyIdHash, v2.KeyId);
        Assert.Equal("RSA-OAEP-256", Encoding.UTF8.GetString(v2.Annotations["algorithm.azure.akv.io"]));
        Assert.Equal("1", Encoding.UTF8.GetString(v2.Annotations["version.azure.akv.io"]));
        Assert.Equal("local", Encoding.UTF8.GetString(v2.Annotations["x-ms-keyvault-region.azure.akv.io"]));
        Assert.Empty(v2.Annotations["x-ms-request-id.azure.akv.io"]);
        Assert.Empty(v1.Annotations);

        // And the plugin's own Decrypt (through Key Vault) reads it back.
        var input = new DecryptInput(v2.Ciphertext, v2.KeyId, v2.Annotations.ToDictionary(a => a.Key, a => ByteString.CopyFrom(a.Value)));
        Assert.Equal(seed, await backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None));
    }

    [Fact]
    public async Task Encrypt_LocalEncryptFalse_CallsKeyVault()
    {
        KeyVaultBackend backend = await StartAsync(localEncrypt: false);
        int encrypts = Vault.Count("encrypt");
        await backend.EncryptAsync(KmsApiVersion.V2, new byte[32], CancellationToken.None);
        Assert.Equal(encrypts + 1, Vault.Count("encrypt"));
    }

    [Fact]
    public async Task Encrypt_KeyDisabledAtTheNextCheck_GoesBackToKeyVault()
    {
        KeyVaultBackend backend = await StartAsync();
        Vault.Enabled = false;
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(await Checks.Reader.ReadAsync());
        int encrypts = Vault.Count("encrypt");

        await backend.EncryptAsync(KmsApiVersion.V2, new byte[32], CancellationToken.None);

        Assert.Equal(encrypts + 1, Vault.Count("encrypt"));
    }
}
