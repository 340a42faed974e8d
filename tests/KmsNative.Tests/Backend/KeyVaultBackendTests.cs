using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using KmsNative.Backend;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.KeyVault;
using KmsNative.KeyVault.Client;
using KmsNative.Kms.Hosting;
using KmsNative.Kms;

namespace KmsNative.Tests.Backend;

public sealed class KeyVaultBackendTests : IDisposable
{
    private readonly StubKeyVault _vault = new();
    private readonly KeyReference _key = new(new Uri("https://example.vault.azure.net/"), "mykey", "ABCD");
    private readonly KeyVaultBackend _backend;

    public KeyVaultBackendTests()
    {
        var client = _vault.CreateClient(_key.VaultUrl);
        _backend = new KeyVaultBackend(client, _key, TimeProvider.System, NullKmsLog.Instance, new BackendSettings { TrafficFailureThreshold = 1, LocalEncrypt = false });
    }

    public void Dispose()
    {
        _backend.StopAsync().AsTask().GetAwaiter().GetResult();
        _vault.Dispose();
    }

    [Fact]
    public void KeyIdHash_MatchesTheGoPluginTestVector()
    {
        Assert.Equal("567d783db3043fe298fe0d9eeedb0029a3815cdd4fe4b059d018c91e6acffe3b", _key.KeyIdHash);
        Assert.Equal("https://example.vault.azure.net/keys/mykey/ABCD", _key.KeyUrl);
    }

    [Fact]
    public async Task EncryptV2_UsesRsaOaep256_AndReturnsGoPluginShapedResult()
    {
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        EncryptedDek result = await _backend.EncryptAsync(KmsApiVersion.V2, seed, CancellationToken.None);

        Assert.Contains("\"alg\":\"RSA-OAEP-256\"", _vault.Requests[^1].Body, StringComparison.Ordinal);
        Assert.Equal("https://example.vault.azure.net/keys/mykey/ABCD/encrypt?api-version=7.5", _vault.Requests[^1].Uri);
        Assert.Equal("Bearer test-token", _vault.Requests[^1].Authorization);
        // The ciphertext is the ASCII of unpadded base64url: 2048-bit RSA → 256 bytes → 342 characters.
        Assert.Equal(342, result.Ciphertext.Length);
        string text = Encoding.ASCII.GetString(result.Ciphertext);
        Assert.DoesNotContain('=', text);
        // Decrypting it the way the Go plugin's data is decrypted (OAEP-SHA256 with the vault's private key) gives the seed back.
        Assert.Equal(seed, _vault.Rsa.Decrypt(System.Buffers.Text.Base64Url.DecodeFromChars(text), RSAEncryptionPadding.OaepSHA256));
        Assert.Equal(_key.KeyIdHash, result.KeyId);
        Assert.Equal("RSA-OAEP-256", Encoding.UTF8.GetString(result.Annotations["algorithm.azure.akv.io"]));
        Assert.Equal("1", Encoding.UTF8.GetString(result.Annotations["version.azure.akv.io"]));
        Assert.Equal("Sat, 28 Nov 2026 12:00:00 GMT", Encoding.UTF8.GetString(result.Annotations["date.azure.akv.io"]));
        Assert.StartsWith("req-", Encoding.UTF8.GetString(result.Annotations["x-ms-request-id.azure.akv.io"]), StringComparison.Ordinal);
        Assert.Equal("westeurope", Encoding.UTF8.GetString(result.Annotations["x-ms-keyvault-region.azure.akv.io"]));
        Assert.Equal(5, result.Annotations.Count);
    }

    [Fact]
    public async Task DecryptV2_OfCiphertextMadeAsTheGoPluginMakesIt_ReturnsPlaintext()
    {
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        // What Azure/kubernetes-kms stored in etcd: base64url(RSA-OAEP-256(seed)) as ASCII, with its key_id and annotations.
        byte[] goCiphertext = Encoding.ASCII.GetBytes(StubKeyVault.B64(_vault.Rsa.Encrypt(seed, RSAEncryptionPadding.OaepSHA256)));
        byte[] plaintext = await _backend.DecryptAsync(KmsApiVersion.V2, new DecryptInput(goCiphertext, "567d783db3043fe298fe0d9eeedb0029a3815cdd4fe4b059d018c91e6acffe3b", GoAnnotations()), CancellationToken.None);
        Assert.Equal(seed, plaintext);
        Assert.Contains("\"value\":\"" + Encoding.ASCII.GetString(goCiphertext) + "\"", _vault.Requests[^1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V1Beta1_UsesRsa15BothWays()
    {
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        EncryptedDek encrypted = await _backend.EncryptAsync(KmsApiVersion.V1Beta1, dek, CancellationToken.None);
        Assert.Contains("\"alg\":\"RSA1_5\"", _vault.Requests[^1].Body, StringComparison.Ordinal);
        Assert.Empty(encrypted.Annotations);
        Assert.Equal(dek, _vault.Rsa.Decrypt(System.Buffers.Text.Base64Url.DecodeFromChars(Encoding.ASCII.GetString(encrypted.Ciphertext)), RSAEncryptionPadding.Pkcs1));

        byte[] goV1 = Encoding.ASCII.GetBytes(StubKeyVault.B64(_vault.Rsa.Encrypt(dek, RSAEncryptionPadding.Pkcs1)));
        byte[] plaintext = await _backend.DecryptAsync(KmsApiVersion.V1Beta1, new DecryptInput(goV1, "", new Dictionary<string, ByteString>()), CancellationToken.None);
        Assert.Equal(dek, plaintext);
        Assert.Contains("\"alg\":\"RSA1_5\"", _vault.Requests[^1].Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("empty", "invalid annotations, annotations cannot be empty")]
    [InlineData("keyid", "key id other does not match expected key id 567d783db3043fe298fe0d9eeedb0029a3815cdd4fe4b059d018c91e6acffe3b used for encryption")]
    [InlineData("algorithm", "algorithm RSA1_5 does not match expected algorithm RSA-OAEP-256 used for encryption")]
    [InlineData("version", "version 2 does not match expected version 1 used for encryption")]
    public async Task DecryptV2_BadKeyIdOrAnnotations_IsInvalidArgumentWithGoMessage(string broken, string message)
    {
        Dictionary<string, ByteString> annotations = broken == "empty" ? [] : GoAnnotations();
        if (broken == "algorithm")
        {
            annotations["algorithm.azure.akv.io"] = ByteString.CopyFromUtf8("RSA1_5");
        }

        if (broken == "version")
        {
            annotations["version.azure.akv.io"] = ByteString.CopyFromUtf8("2");
        }

        string keyId = broken == "keyid" ? "other" : _key.KeyIdHash;
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _backend.DecryptAsync(KmsApiVersion.V2, new DecryptInput("abc"u8.ToArray(), keyId, annotations), CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
        // An unknown key id looks the key's versions up (it could be a newer one); nothing is decrypted.
        Assert.DoesNotContain(_vault.Requests, r => r.Method == HttpMethod.Post);
    }

    [Fact]
    public async Task DecryptV2_NotBase64UrlText_IsInvalidArgumentWithoutACall()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _backend.DecryptAsync(KmsApiVersion.V2, new DecryptInput(new byte[] { 0, 1, 2, 0xFF }, _key.KeyIdHash, GoAnnotations()), CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Empty(_vault.Requests);
    }

    [Fact]
    public async Task DecryptV2_GarbageCiphertext_IsInvalidArgumentAndKeepsHealth()
    {
        await FirstCheckAsync(_backend);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _backend.DecryptAsync(KmsApiVersion.V2, new DecryptInput("AAAA"u8.ToArray(), _key.KeyIdHash, GoAnnotations()), CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("BadParameter", error.Status.Detail, StringComparison.Ordinal);
        Assert.True((await _backend.GetStatusAsync(CancellationToken.None)).Healthy);
    }

    [Fact]
    public async Task Encrypt_KidOfAnotherKey_IsRefused()
    {
        _vault.KidBase = "https://example.vault.azure.net/keys/otherkey/";
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _backend.EncryptAsync(KmsApiVersion.V2, new byte[32], CancellationToken.None));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.StartsWith("key id initialized does not match with the key id from encryption result", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401, "Unauthorized", "AKV10022: Invalid audience.", StatusCode.Unauthenticated)]
    [InlineData(403, "Forbidden", "The user does not have keys encrypt permission on key vault", StatusCode.PermissionDenied)]
    [InlineData(403, "Forbidden", "Operation encrypt is not allowed on a disabled key.", StatusCode.FailedPrecondition)]
    [InlineData(404, "KeyNotFound", "A key with (name/id) mykey was not found in this key vault.", StatusCode.FailedPrecondition)]
    [InlineData(429, "Throttled", "Request was not processed because too many requests were received.", StatusCode.Unavailable)]
    [InlineData(503, "ServiceUnavailable", "The service is unavailable.", StatusCode.Unavailable)]
    public async Task Encrypt_KeyVaultError_MapsToGrpcCodeAndNamesEverything(int status, string code, string message, StatusCode expected)
    {
        await FirstCheckAsync(_backend);
        _vault.Failure = ((System.Net.HttpStatusCode)status, code, message);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _backend.EncryptAsync(KmsApiVersion.V2, new byte[32], CancellationToken.None));
        Assert.Equal(expected, error.StatusCode);
        Assert.Equal(status == 429 ? 1 : 0, _backend.Counters.Throttled);
        string detail = error.Status.Detail;
        Assert.Contains("encrypt of key mykey/ABCD at https://example.vault.azure.net/", detail, StringComparison.Ordinal);
        Assert.Contains($"HTTP {status}", detail, StringComparison.Ordinal);
        Assert.Contains(code, detail, StringComparison.Ordinal);
        Assert.Contains("x-ms-request-id req-", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("test-token", detail, StringComparison.Ordinal);
        BackendStatus health = await _backend.GetStatusAsync(CancellationToken.None);
        Assert.False(health.Healthy);
        if (expected == StatusCode.Unavailable)
        {
            // Transient trouble counts over the recent window (threshold 1 in this test).
            Assert.StartsWith("Key Vault calls in the last 60 s: 1 of 1 failed", health.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(detail, health.Reason); // a refusal that needs an operator shows at once, as Key Vault said it
        }
    }

    [Fact]
    public async Task Status_AfterStartupCheck_IsHealthyWithKeyIdHash_AndDisabledKeyIsNot()
    {
        await FirstCheckAsync(_backend);
        BackendStatus status = await _backend.GetStatusAsync(CancellationToken.None);
        Assert.True(status.Healthy);
        Assert.Equal(_key.KeyIdHash, status.KeyId);
        int requests = _vault.Requests.Count;
        await _backend.GetStatusAsync(CancellationToken.None);
        Assert.Equal(requests, _vault.Requests.Count); // polls do not reach Key Vault while the last check is fresh

        _vault.Enabled = false;
        using var other = new KeyVaultBackend(
            _vault.CreateClient(_key.VaultUrl, new KeyVaultClientOptions("0.1.0")),
            _key, TimeProvider.System, NullKmsLog.Instance);
        await FirstCheckAsync(other);
        BackendStatus disabled = await other.GetStatusAsync(CancellationToken.None);
        await other.StopAsync();
        Assert.False(disabled.Healthy);
        Assert.Equal("key https://example.vault.azure.net/keys/mykey/ABCD is disabled", disabled.Reason);
    }

    [Fact]
    public async Task Client_ProxyMode_SendsProxyTargetHeaderToTheProxyUrl()
    {
        var options = new KeyVaultClientOptions("0.1.0") { ProxyTarget = "KeyVault", Retry = { MaxRetries = 0 } };
        var client = _vault.CreateClient(new Uri("http://localhost:7788/example.vault.azure.net/"), options);
        using var backend = new KeyVaultBackend(client, _key, TimeProvider.System, NullKmsLog.Instance);
        EncryptedDek result = await backend.EncryptAsync(KmsApiVersion.V2, new byte[32], CancellationToken.None);
        Assert.Equal("http://localhost:7788/example.vault.azure.net/keys/mykey/ABCD/encrypt?api-version=7.5", _vault.Requests[^1].Uri);
        Assert.Equal("KeyVault", _vault.Requests[^1].ProxyTarget);
        Assert.Equal(_key.KeyIdHash, result.KeyId); // from the unproxied URL
    }

    /// <summary>Starts the backend's background loop and waits for its first check.</summary>
    internal static Task FirstCheckAsync(KeyVaultBackend backend)
    {
        var checkedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Monitor.Checked += _ => checkedOnce.TrySetResult();
        backend.Start();
        return checkedOnce.Task;
    }

    private static Dictionary<string, ByteString> GoAnnotations() => new()
    {
        ["date.azure.akv.io"] = ByteString.CopyFromUtf8("Mon, 02 Jan 2006 15:04:05 GMT"),
        ["x-ms-request-id.azure.akv.io"] = ByteString.CopyFromUtf8("b1e8c0f4-1111-2222-3333-444455556666"),
        ["x-ms-keyvault-region.azure.akv.io"] = ByteString.CopyFromUtf8("eastus"),
        ["version.azure.akv.io"] = ByteString.CopyFromUtf8("1"),
        ["algorithm.azure.akv.io"] = ByteString.CopyFromUtf8("RSA-OAEP-256"),
    };
}
