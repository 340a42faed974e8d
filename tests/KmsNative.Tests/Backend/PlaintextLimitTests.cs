using System.Threading.Channels;
using Grpc.Core;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Backend;

/// <summary>A plaintext the key cannot wrap is refused before any Key Vault call (issue #8 item 4).</summary>
public sealed class PlaintextLimitTests : StubVaultBackendTests
{
    private KeyVaultBackend Create(bool localEncrypt) => CreateBackend(new BackendSettings { LocalEncrypt = localEncrypt });

    [Theory]
    [InlineData(256, KeyVaultAlgorithm.RsaOaep256, 190)]
    [InlineData(256, KeyVaultAlgorithm.Rsa15, 245)]
    [InlineData(384, KeyVaultAlgorithm.RsaOaep256, 318)]
    [InlineData(512, KeyVaultAlgorithm.Rsa15, 501)]
    public void MaxPlaintext_FollowsTheModulus(int modulusBytes, string algorithm, int expected) =>
        Assert.Equal(expected, PlaintextLimit.MaxPlaintext(modulusBytes, algorithm));

    [Fact]
    public async Task Encrypt_OneMebibyte_BeforeAnyCheck_InvalidArgument_NoKeyVaultCall()
    {
        KeyVaultBackend backend = Create(localEncrypt: false);
        backend.Start();
        await Checks.Reader.ReadAsync();
        int encrypts = Vault.Count("encrypt"); // the canary's
        var error = await Assert.ThrowsAsync<RpcException>(async () => await backend.EncryptAsync(KmsApiVersion.V2, new byte[1 << 20], CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("plaintext is 1048576 bytes", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(encrypts, Vault.Count("encrypt"));
    }

    [Theory]
    [InlineData(false, true, 190)]
    [InlineData(false, false, 245)]
    [InlineData(true, true, 190)]
    [InlineData(true, false, 245)]
    public async Task Encrypt_AfterGetKey_RefusesOneByteOverTheKeysLimit_AcceptsTheLimit(bool localEncrypt, bool v2, int max)
    {
        KmsApiVersion api = v2 ? KmsApiVersion.V2 : KmsApiVersion.V1Beta1;
        KeyVaultBackend backend = Create(localEncrypt);
        backend.Start();
        Assert.True(await Checks.Reader.ReadAsync());
        int encrypts = Vault.Count("encrypt");

        var error = await Assert.ThrowsAsync<RpcException>(async () => await backend.EncryptAsync(api, new byte[max + 1], CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains($"(RSA-2048) wraps at most {max} bytes", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(encrypts, Vault.Count("encrypt"));

        EncryptedDek ok = await backend.EncryptAsync(api, new byte[max], CancellationToken.None);
        Assert.NotEmpty(ok.Ciphertext);
    }
}
