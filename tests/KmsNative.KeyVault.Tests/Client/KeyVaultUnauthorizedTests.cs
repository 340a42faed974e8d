using System.Net;
using Azure.Core.Pipeline;
using KmsNative.KeyVault.Client;

namespace KmsNative.KeyVault.Tests.Client;

/// <summary>A 401 from Key Vault gets one fresh token and one more try (issue #8 item 6), in both auth modes.</summary>
public sealed class KeyVaultUnauthorizedTests : IDisposable
{
    private readonly StubKeyVault _vault = new();
    private readonly HttpClient _http;
    private readonly StaticTokenCredential _credential = new();

    public KeyVaultUnauthorizedTests() => _http = new HttpClient(_vault);

    public void Dispose()
    {
        _http.Dispose();
        _vault.Dispose();
    }

    // The forced refresh asks for a token issued from "now" on: the client's clock, not the machine's.
    private static readonly DateTimeOffset s_now = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);

    private KeyVaultClient Create(bool proxy) =>
        new(new Uri(proxy ? "http://127.0.0.1:7788/example.vault.azure.net/" : "https://example.vault.azure.net"), _credential, "https://vault.azure.net/.default",
            new KeyVaultClientOptions("0.1.0") { Retry = { MaxRetries = 0 }, ProxyTarget = proxy ? "KeyVault" : null, Time = new FixedTime(s_now) },
            new HttpClientTransport(_http));

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unauthorized_Once_NewTokenAndOneRetry_Succeeds(bool proxy)
    {
        KeyVaultClient client = Create(proxy);
        await client.GetKeyAsync("mykey", "ABCD", CancellationToken.None); // the token is now cached
        Assert.Equal(1, _credential.Requests);

        _vault.Failure = (HttpStatusCode.Unauthorized, "Unauthorized", "AKV10032: Invalid issuer.");
        _vault.FailuresLeft = 1;
        KeyBundle bundle = await client.GetKeyAsync("mykey", "ABCD", CancellationToken.None);

        Assert.NotNull(bundle.Key);
        Assert.Equal(2, _credential.Requests);
        Assert.Equal(1, _credential.ClaimsRequests); // a forced refresh: no cache may answer it
        Assert.Equal($$$$"""{"access_token":{"nbf":{"essential":true,"value":"{{{{s_now.ToUnixTimeSeconds()}}}}"}}}""", _credential.LastClaims);
        Assert.Equal("Bearer test-token", _vault.Requests[^2].Authorization);
        Assert.Equal("Bearer test-token-2", _vault.Requests[^1].Authorization);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unauthorized_Always_RetriesOnlyOnce_Then401(bool proxy)
    {
        KeyVaultClient client = Create(proxy);
        _vault.Failure = (HttpStatusCode.Unauthorized, "Unauthorized", "AKV10032: Invalid issuer.");

        var error = await Assert.ThrowsAsync<KeyVaultException>(() => client.GetKeyAsync("mykey", "ABCD", CancellationToken.None));

        Assert.Equal(401, error.Status);
        Assert.Equal(2, _vault.Requests.Count);
        Assert.DoesNotContain("test-token", error.Message, StringComparison.Ordinal);
    }
}
