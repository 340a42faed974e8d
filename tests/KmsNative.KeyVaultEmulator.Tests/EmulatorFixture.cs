using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using KmsNative.KeyVaultEmulator.Tokens;

namespace KmsNative.KeyVaultEmulator.Tests;

/// <summary>
/// One in-process emulator per test class (xunit runs classes in parallel, so faults and counters never leak between
/// classes). The HttpClient trusts only the emulator's CA, through a custom root trust store.
/// </summary>
public class EmulatorFixture : IAsyncLifetime
{
    public const string ApiVersion = "7.4";

    private EmulatorHost? _host;

    internal EmulatorHost Host => _host ?? throw new InvalidOperationException("not started");

    public Uri Url => Host.Url;

    public Uri ImdsUrl => Host.ImdsUrl!;

    public string CaFile { get; } = Path.Combine(Path.GetTempPath(), $"kv-emulator-ca-{Guid.NewGuid():N}.pem");

    public HttpClient Client { get; private set; } = null!;

    public X509Certificate2 Ca => Host.CaCertificate;

    public async Task InitializeAsync()
    {
        _host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, ImdsPort = 0, CaOut = CaFile }, Config);
        Client = new HttpClient(CreateHandler(Host.CaCertificate)) { BaseAddress = Url };
    }

    /// <summary>Set by subclasses that need clients the defaults lack.</summary>
    internal EmulatorConfig Config { get; init; } = EmulatorConfig.CreateDefault();

    public string DefaultTenantId => Config.Tenants[0].Id;

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        File.Delete(CaFile);
    }

    /// <summary>A handler that accepts exactly the chains that end at <paramref name="ca"/>.</summary>
    public static SocketsHttpHandler CreateHandler(X509Certificate2 ca) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            },
        },
    };

    public async Task<string> GetTokenAsync(string resource = "https://vault.azure.net")
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = EmulatorConfig.DefaultClientId,
            ["client_secret"] = EmulatorConfig.DefaultClientSecret,
            ["resource"] = resource,
        });
        using HttpResponseMessage response = await Client.PostAsync($"/{EmulatorConfig.DefaultTenantId}/oauth2/token", form);
        response.EnsureSuccessStatusCode();
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Sends a Key Vault request with a valid token (unless <paramref name="token"/> is given; "" sends none).</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null,
        string? token = null, string apiVersion = ApiVersion)
    {
        token ??= await GetTokenAsync();
        string separator = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        using var request = new HttpRequestMessage(method, apiVersion.Length == 0 ? path : $"{path}{separator}api-version={apiVersion}");
        if (token.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement parsed = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response, parsed);
    }

    public async Task<JsonElement> CreateKeyAsync(string name, int size = 2048, string kty = "RSA")
    {
        (HttpResponseMessage response, JsonElement body) = await SendAsync(HttpMethod.Post, $"/keys/{name}/create", new { kty, key_size = size });
        Assert.Equal(200, (int)response.StatusCode);
        return body;
    }

    public async Task<JsonElement> AdminAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        string text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
