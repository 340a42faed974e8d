using System.Net;
using Azure.Core;
using Grpc.Core;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.Observability;
using KmsNative.Observability;

namespace KmsNative.Tests.Observability;

/// <summary>Key Vault attempts counted by operation and outcome through the real client over a stub vault.</summary>
public sealed class KeyVaultMetricsPolicyTests : IDisposable
{
    private readonly StubKeyVault _vault = new();
    private readonly KeyVaultRequestMetrics _metrics = new();
    private readonly KeyVaultBackend _backend;

    public KeyVaultMetricsPolicyTests()
    {
        var key = new KeyReference(new Uri("https://example.vault.azure.net/"), "mykey", "ABCD");
        var options = new KeyVaultClientOptions("0.1.0") { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1) } };
        options.AddPolicy(new KeyVaultMetricsPolicy(_metrics), HttpPipelinePosition.PerRetry);
        var client = _vault.CreateClient(key.VaultUrl, options);
        _backend = new KeyVaultBackend(client, key, TimeProvider.System, NullKmsLog.Instance, new BackendSettings { DekCacheSize = 0, LocalEncrypt = false });
    }

    public void Dispose()
    {
        _vault.Dispose();
    }

    [Fact]
    public async Task EncryptDecrypt_CountsSuccessPerOperation()
    {
        EncryptedDek dek = await _backend.EncryptAsync(KmsApiVersion.V1Beta1, new byte[32], CancellationToken.None);
        await _backend.DecryptAsync(KmsApiVersion.V1Beta1, new DecryptInput(dek.Ciphertext, "", new Dictionary<string, Google.Protobuf.ByteString>()), CancellationToken.None);
        Assert.Equal(1, _metrics.Count(KeyVaultOperation.Encrypt, KeyVaultOutcome.Succeeded));
        Assert.Equal(1, _metrics.Count(KeyVaultOperation.Decrypt, KeyVaultOutcome.Succeeded));
        Assert.Equal(1, _metrics.Duration(KeyVaultOperation.Encrypt).Count);
    }

    [Fact]
    public async Task Throttled_EachAttemptCounts()
    {
        _vault.Failure = (HttpStatusCode.TooManyRequests, "Throttled", "Request was not processed because too many requests were received.");
        await Assert.ThrowsAsync<RpcException>(async () => await _backend.EncryptAsync(KmsApiVersion.V2, new byte[32], CancellationToken.None));
        Assert.Equal(2, _metrics.Count(KeyVaultOperation.Encrypt, KeyVaultOutcome.Throttled)); // first try + one retry
    }

    [Fact]
    public async Task Forbidden_IsAnAuthError()
    {
        _vault.Failure = (HttpStatusCode.Forbidden, "Forbidden", "The user does not have keys encrypt permission.");
        await Assert.ThrowsAsync<RpcException>(async () => await _backend.EncryptAsync(KmsApiVersion.V2, new byte[32], CancellationToken.None));
        Assert.Equal(1, _metrics.Count(KeyVaultOperation.Encrypt, KeyVaultOutcome.PermissionDenied));
        Assert.Equal(1, _metrics.Count(KeyVaultOperation.Encrypt, "auth_error"));
    }

    [Theory]
    [InlineData("POST", "/keys/k/v/encrypt", nameof(KeyVaultOperation.Encrypt))]
    [InlineData("POST", "/keys/k/v/wrapkey", nameof(KeyVaultOperation.Encrypt))]
    [InlineData("POST", "/keys/k/v/decrypt", nameof(KeyVaultOperation.Decrypt))]
    [InlineData("POST", "/keys/k/v/unwrapkey", nameof(KeyVaultOperation.Decrypt))]
    [InlineData("GET", "/keys/k/v", nameof(KeyVaultOperation.GetKey))]
    [InlineData("POST", "/kek.vault.azure.net/keys/k/v/encrypt", nameof(KeyVaultOperation.Encrypt))] // proxy mode path
    [InlineData("GET", "/metadata/identity/oauth2/token", nameof(KeyVaultOperation.Other))]
    public void Classify_NamesTheOperationFromMethodAndPath(string method, string path, string expected) =>
        Assert.Equal(expected, KeyVaultMetricsPolicy.Classify(RequestMethod.Parse(method), path).ToString());

    [Theory]
    [InlineData(200, nameof(KeyVaultOutcome.Succeeded))]
    [InlineData(429, nameof(KeyVaultOutcome.Throttled))]
    [InlineData(401, nameof(KeyVaultOutcome.Unauthenticated))]
    [InlineData(404, nameof(KeyVaultOutcome.KeyState))]
    [InlineData(503, nameof(KeyVaultOutcome.Unavailable))]
    [InlineData(0, nameof(KeyVaultOutcome.NoResponse))]
    public void Classify_MapsHttpStatusToOutcome(int status, string expected) =>
        Assert.Equal(expected, KeyVaultRequestMetrics.Classify(status).ToString());

    [Theory]
    [InlineData(200, "success")]
    [InlineData(429, "throttled")]
    [InlineData(401, "auth_error")]
    [InlineData(403, "auth_error")]
    [InlineData(400, "client_error")]
    [InlineData(404, "client_error")]
    [InlineData(408, "client_error")]
    [InlineData(503, "server_error")]
    [InlineData(0, "transport_error")]
    public void Label_HttpStatus_KeepsTheExpositionsOutcomeClasses(int status, string expected) =>
        Assert.Equal(expected, KeyVaultRequestMetrics.Label(KeyVaultRequestMetrics.Classify(status)));
}
