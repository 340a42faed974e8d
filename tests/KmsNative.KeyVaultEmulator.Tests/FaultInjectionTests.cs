using System.Diagnostics;
using System.Net;
using System.Text.Json;
using KmsNative.KeyVaultEmulator.Tokens;

namespace KmsNative.KeyVaultEmulator.Tests;

public sealed class FaultInjectionTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await emulator.AdminAsync(HttpMethod.Delete, "/_emulator/faults");
        await emulator.CreateKeyAsync("faulty");
        await emulator.AdminAsync(HttpMethod.Delete, "/_emulator/counters");
    }

    public Task DisposeAsync() => emulator.AdminAsync(HttpMethod.Delete, "/_emulator/faults");

    private Task<(HttpResponseMessage, JsonElement)> EncryptAsync(string token) =>
        emulator.SendAsync(HttpMethod.Post, "/keys/faulty/encrypt", new { alg = "RSA-OAEP-256", value = "aGVsbG8" }, token: token);

    [Theory]
    [InlineData(429, "Throttled")]
    [InlineData(500, "InternalServerError")]
    [InlineData(503, "ServiceUnavailable")]
    [InlineData(403, "Forbidden")]
    public async Task Fault_StatusWithCount_AppliesThatManyTimesWithRetryAfter(int status, string code)
    {
        string token = await emulator.GetTokenAsync();
        await emulator.AdminAsync(HttpMethod.Post, "/_emulator/faults", new { operation = "encrypt", status, retryAfterSeconds = 7, count = 2 });

        for (int i = 0; i < 2; i++)
        {
            var (response, error) = await EncryptAsync(token);
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.True(response.Headers.Contains("x-ms-request-id"));
        }
        var (ok, _) = await EncryptAsync(token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        JsonElement counters = await emulator.AdminAsync(HttpMethod.Get, "/_emulator/counters");
        Assert.Equal(3, counters.GetProperty("requests").GetProperty("encrypt").GetInt64());
        Assert.Equal(2, counters.GetProperty("faulted").GetProperty("encrypt").GetInt64());
        // Every request since the reset, token requests included, in one second or spread over several.
        Assert.InRange(counters.GetProperty("peakPerSecond").GetInt64(), 1, counters.GetProperty("requests").EnumerateObject().Sum(p => p.Value.GetInt64()));
    }

    [Fact]
    public async Task Fault_OtherOperation_IsNotAffected()
    {
        string token = await emulator.GetTokenAsync();
        await emulator.AdminAsync(HttpMethod.Post, "/_emulator/faults", new { operation = "decrypt", status = 500 });
        var (response, _) = await EncryptAsync(token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Fault_DropConnection_FailsTheRequestWithoutResponse()
    {
        string token = await emulator.GetTokenAsync();
        await emulator.AdminAsync(HttpMethod.Post, "/_emulator/faults", new { operation = "encrypt", dropConnection = true, count = 1 });
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => EncryptAsync(token));
        var (response, _) = await EncryptAsync(token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Fault_Latency_DelaysThenSucceeds()
    {
        string token = await emulator.GetTokenAsync();
        await emulator.AdminAsync(HttpMethod.Post, "/_emulator/faults", new { operation = "encrypt", latencyMs = 300, count = 1 });
        var stopwatch = Stopwatch.StartNew();
        var (response, _) = await EncryptAsync(token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(stopwatch.ElapsedMilliseconds >= 290, $"took {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Fault_TokenEndpoint_AndWildcardUntilDeleted()
    {
        await emulator.AdminAsync(HttpMethod.Post, "/_emulator/faults", new { operation = "token", status = 503 });
        await Assert.ThrowsAsync<HttpRequestException>(() => emulator.GetTokenAsync());

        await emulator.AdminAsync(HttpMethod.Delete, "/_emulator/faults");
        string token = await emulator.GetTokenAsync();

        await emulator.AdminAsync(HttpMethod.Post, "/_emulator/faults", new { operation = "*", status = 500 });
        for (int i = 0; i < 3; i++)
        {
            var (response, _) = await emulator.SendAsync(HttpMethod.Get, "/keys/faulty", token: token);
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        await emulator.AdminAsync(HttpMethod.Delete, "/_emulator/faults");
        var (after, _) = await emulator.SendAsync(HttpMethod.Get, "/keys/faulty", token: token);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);

        JsonElement counters = await emulator.AdminAsync(HttpMethod.Get, "/_emulator/counters");
        Assert.Equal(2, counters.GetProperty("requests").GetProperty("token").GetInt64());
        Assert.Equal(1, counters.GetProperty("faulted").GetProperty("token").GetInt64());
        Assert.Equal(4, counters.GetProperty("requests").GetProperty("get").GetInt64());
    }

    [Fact]
    public async Task Fault_Imds_Returns500()
    {
        await emulator.AdminAsync(HttpMethod.Post, "/_emulator/faults", new { operation = "imds", status = 500, count = 1 });
        using var client = new HttpClient { BaseAddress = emulator.ImdsUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net");
        request.Headers.Add("Metadata", "true");
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"operation\":\"encrypt\"}")]
    [InlineData("{\"operation\":\"bogus\",\"status\":500}")]
    public async Task AddFault_Invalid_Returns400(string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await emulator.Client.PostAsync("/_emulator/faults", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public void DefaultConfig_HasDocumentedIdentities()
    {
        EmulatorConfig config = EmulatorConfig.CreateDefault();
        Assert.Equal(EmulatorConfig.DefaultClientSecret, config.Tenants[0].Clients[0].Secret);
        Assert.NotNull(config.ManagedIdentities.SystemAssigned);
    }
}
