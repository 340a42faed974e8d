using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Core.Pipeline;
using KmsNative.KeyVault.Client;

namespace KmsNative.KeyVault.Tests.Client;

public sealed class KeyVaultClientTests : IDisposable
{
    private readonly StubKeyVault _vault = new();
    private readonly HttpClient _http;
    private readonly KeyVaultClient _client;

    public KeyVaultClientTests()
    {
        _http = new HttpClient(_vault);
        _client = Create(_http, maxRetries: 0);
    }

    public void Dispose()
    {
        _http.Dispose();
        _vault.Dispose();
    }

    private static KeyVaultClient Create(HttpClient http, int maxRetries) =>
        new(new Uri("https://example.vault.azure.net"), new StaticTokenCredential(), "https://vault.azure.net/.default",
            new KeyVaultClientOptions("0.1.0") { Retry = { MaxRetries = maxRetries, Delay = TimeSpan.FromMilliseconds(1) } }, new HttpClientTransport(http));

    [Fact]
    public async Task GetKey_ReturnsPublicPartAttributesAndOperations()
    {
        KeyBundle bundle = await _client.GetKeyAsync("mykey", "ABCD", CancellationToken.None);
        Assert.Equal("https://example.vault.azure.net/keys/mykey/ABCD", bundle.Key!.KeyId);
        Assert.Equal("RSA", bundle.Key.KeyType);
        Assert.Contains("unwrapKey", bundle.Key.KeyOperations!);
        Assert.Equal(StubKeyVault.B64(_vault.Rsa.ExportParameters(false).Modulus!), bundle.Key.Modulus);
        Assert.True(bundle.Attributes!.Enabled);
        Assert.Equal("https://example.vault.azure.net/keys/mykey/ABCD?api-version=7.5", _vault.Requests[^1].Uri);
    }

    [Fact]
    public async Task EncryptThenDecrypt_RoundTripsWithEachAlgorithm()
    {
        byte[] key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        foreach (string algorithm in new[] { KeyVaultAlgorithm.Rsa15, KeyVaultAlgorithm.RsaOaep, KeyVaultAlgorithm.RsaOaep256 })
        {
            KeyOperationResult wrapped = await _client.EncryptAsync("mykey", "ABCD", algorithm, key, CancellationToken.None);
            Assert.EndsWith("/keys/mykey/ABCD/encrypt?api-version=7.5", _vault.Requests[^1].Uri, StringComparison.Ordinal);
            KeyOperationResult unwrapped = await _client.DecryptAsync("mykey", "ABCD", algorithm, wrapped.Value, CancellationToken.None);
            Assert.True(Base64UrlCodec.TryDecode(unwrapped.Value, out byte[] result));
            Assert.Equal(key, result);
        }
    }

    [Fact]
    public async Task ListKeyVersions_FollowsNextLink()
    {
        using var handler = new PagedVersions();
        using var http = new HttpClient(handler);
        IReadOnlyList<KeyItem> items = await Create(http, 0).ListKeyVersionsAsync("mykey", CancellationToken.None);
        Assert.Equal(["v1", "v2", "v3"], items.Select(i => i.KeyId![(i.KeyId!.LastIndexOf('/') + 1)..]));
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Error_NotKeyVaultJson_StillNamesStatusAndRequestId()
    {
        using var handler = new FixedAnswer(HttpStatusCode.BadGateway, "<html>bad gateway</html>");
        using var http = new HttpClient(handler);
        var error = await Assert.ThrowsAsync<KeyVaultException>(() => Create(http, 0).GetKeyAsync("mykey", "ABCD", CancellationToken.None));
        Assert.Equal(502, error.Status);
        Assert.Null(error.ErrorCode);
        Assert.Contains("HTTP 502", error.Message, StringComparison.Ordinal);
        Assert.Contains("x-ms-request-id none", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_NestedCodes_ReportsTheInnermost()
    {
        using var handler = new FixedAnswer(HttpStatusCode.Forbidden, """{"error":{"code":"Forbidden","message":"Operation encrypt is not allowed on a disabled key.","innererror":{"code":"KeyDisabled"}}}""");
        using var http = new HttpClient(handler);
        var error = await Assert.ThrowsAsync<KeyVaultException>(() => Create(http, 0).EncryptAsync("mykey", "ABCD", KeyVaultAlgorithm.RsaOaep256, new byte[32], CancellationToken.None));
        Assert.Equal("KeyDisabled", error.ErrorCode);
        Assert.Contains("disabled key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_ServerErrorThenSuccess_Succeeds()
    {
        using var handler = new FailFirst(HttpStatusCode.ServiceUnavailable, new StubKeyVault());
        using var http = new HttpClient(handler);
        KeyBundle bundle = await Create(http, maxRetries: 2).GetKeyAsync("mykey", "ABCD", CancellationToken.None);
        Assert.NotNull(bundle.Key);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task NoResponse_ConnectionRefused_IsStatusZeroNamingTheVault()
    {
        // A port nobody listens on: bind, read the port, close.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var client = new KeyVaultClient(new Uri($"https://127.0.0.1:{port}/"), new StaticTokenCredential(), "https://vault.azure.net/.default",
            new KeyVaultClientOptions("0.1.0") { Retry = { MaxRetries = 0 } });
        var error = await Assert.ThrowsAsync<KeyVaultException>(() => client.GetKeyAsync("mykey", "ABCD", CancellationToken.None));
        Assert.Equal(0, error.Status);
        Assert.Contains($"https://127.0.0.1:{port}/", error.Message, StringComparison.Ordinal);
        Assert.Contains("no response", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_StopsWaitingAtTheCallersDeadline()
    {
        using var handler = new Hang();
        using var http = new HttpClient(handler);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Create(http, 3).GetKeyAsync("mykey", "ABCD", deadline.Token));
    }

    [Fact]
    public void Base64UrlCodec_IsStrictLikeGoRawUrlEncoding()
    {
        Assert.True(Base64UrlCodec.TryDecode("aGVsbG8", out byte[] hello));
        Assert.Equal("hello", Encoding.ASCII.GetString(hello));
        Assert.False(Base64UrlCodec.TryDecode("aGVsbG8=", out _)); // padding
        Assert.False(Base64UrlCodec.TryDecode("aGVs+G8", out _));  // standard alphabet
        Assert.Equal("-_8", Base64UrlCodec.Encode([0xFB, 0xFF]));
    }

    private sealed class PagedVersions : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            string json = request.RequestUri!.Query.Contains("skiptoken", StringComparison.Ordinal)
                ? """{"value":[{"kid":"https://example.vault.azure.net/keys/mykey/v3"}],"nextLink":null}"""
                : """{"value":[{"kid":"https://example.vault.azure.net/keys/mykey/v1"},{"kid":"https://example.vault.azure.net/keys/mykey/v2"}],"nextLink":"https://example.vault.azure.net/keys/mykey/versions?api-version=7.5&$skiptoken=abc"}""";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
        }
    }

    private sealed class FixedAnswer(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body) });
    }

    private sealed class FailFirst(HttpStatusCode status, StubKeyVault vault) : DelegatingHandler(vault)
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            ++Calls == 1 ? Task.FromResult(new HttpResponseMessage(status)) : base.SendAsync(request, cancellationToken);
    }

    private sealed class Hang : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
