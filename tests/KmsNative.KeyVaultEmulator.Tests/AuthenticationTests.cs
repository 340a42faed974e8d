using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using KmsNative.KeyVaultEmulator.Crypto;
using KmsNative.KeyVaultEmulator.Tokens;

namespace KmsNative.KeyVaultEmulator.Tests;

public sealed class AuthenticationTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    private const string Tenant = EmulatorConfig.DefaultTenantId;

    [Fact]
    public async Task KeyVault_NoToken_Returns401WithChallengeNamingTheEmulator()
    {
        var (response, error) = await emulator.SendAsync(HttpMethod.Get, "/keys", token: "");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer authorization=\"https://127.0.0.1:{emulator.Url.Port}/{Tenant}\", resource=\"https://vault.azure.net\"",
            response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("Unauthorized", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("https://vault.azure.net", 3600, HttpStatusCode.OK)]
    [InlineData("https://vault.azure.net/", 3600, HttpStatusCode.OK)]
    [InlineData("https://management.azure.com", 3600, HttpStatusCode.Unauthorized)]
    [InlineData("https://vault.azure.net", -60, HttpStatusCode.Unauthorized)]
    public async Task KeyVault_MintedToken_AudienceAndExpiryChecked(string audience, int lifetimeSeconds, HttpStatusCode expected)
    {
        JsonElement minted = await emulator.AdminAsync(HttpMethod.Post, "/_emulator/tokens", new { audience, lifetimeSeconds });
        var (response, _) = await emulator.SendAsync(HttpMethod.Get, "/keys", token: minted.GetProperty("access_token").GetString());
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task KeyVault_TamperedOrForeignSignature_Returns401()
    {
        string token = await emulator.GetTokenAsync();
        string[] parts = token.Split('.');
        var claims = JsonNode.Parse(Base64UrlDecode(parts[1]))!.AsObject();
        claims["exp"] = claims["exp"]!.GetValue<long>() + 10;
        string tampered = $"{parts[0]}.{Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{parts[2]}";
        using RSA foreignKey = RSA.Create(2048);
        string foreign = Jwt.SignRs256(new JsonObject(), claims, foreignKey);

        foreach (string bad in new[] { tampered, foreign, "not-a-jwt" })
        {
            var (response, _) = await emulator.SendAsync(HttpMethod.Get, "/keys", token: bad);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task V1Token_ClientSecret_TokenHasExpectedClaims()
    {
        string token = await emulator.GetTokenAsync();
        var claims = JsonNode.Parse(Base64UrlDecode(token.Split('.')[1]))!.AsObject();
        Assert.Equal("https://vault.azure.net", claims["aud"]!.GetValue<string>());
        Assert.Equal(Tenant, claims["tid"]!.GetValue<string>());
        Assert.Equal(EmulatorConfig.DefaultClientId, claims["appid"]!.GetValue<string>());
        Assert.NotNull(claims["oid"]);
        Assert.True(claims["exp"]!.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("client_id", EmulatorConfig.DefaultClientId, "client_secret", "wrong", 401, "invalid_client")]
    [InlineData("client_id", "00000000-0000-0000-0000-00000000ffff", "client_secret", "x", 400, "unauthorized_client")]
    [InlineData("client_id", EmulatorConfig.DefaultClientId, "resource", "https://vault.azure.net", 401, "invalid_client")]
    public async Task V1Token_BadCredentials_ReturnsAadError(string k1, string v1, string k2, string v2, int status, string error)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["resource"] = "https://vault.azure.net", [k1] = v1, [k2] = v2 };
        using HttpResponseMessage response = await emulator.Client.PostAsync($"/{Tenant}/oauth2/token", new FormUrlEncodedContent(form));
        Assert.Equal(status, (int)response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(error, body.RootElement.GetProperty("error").GetString());
        Assert.StartsWith("AADSTS", body.RootElement.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task V2Token_ScopeDefault_ReturnsTokenForVault()
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = EmulatorConfig.DefaultClientId,
            ["client_secret"] = EmulatorConfig.DefaultClientSecret,
            ["scope"] = "https://vault.azure.net/.default",
        };
        using HttpResponseMessage response = await emulator.Client.PostAsync($"/{Tenant}/oauth2/v2.0/token", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Number, body.RootElement.GetProperty("expires_in").ValueKind);
        var (kv, _) = await emulator.SendAsync(HttpMethod.Get, "/keys", token: body.RootElement.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, kv.StatusCode);
    }

    [Fact]
    public async Task V1Token_UnknownTenant_Returns400()
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = "x", ["client_secret"] = "y", ["resource"] = "https://vault.azure.net" };
        using HttpResponseMessage response = await emulator.Client.PostAsync("/no-such-tenant/oauth2/token", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task V1Token_FederatedAssertionFromTokenFile_IsAccepted()
    {
        string file = Path.GetTempFileName();
        await emulator.AdminAsync(HttpMethod.Post, "/_emulator/federated-token", new { subject = "system:serviceaccount:kube-system:kms", file });
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = EmulatorConfig.DefaultClientId,
            ["client_assertion_type"] = ClientAuthenticator.JwtBearerAssertionType,
            ["client_assertion"] = await File.ReadAllTextAsync(file),
            ["resource"] = "https://vault.azure.net",
        };
        File.Delete(file);
        using HttpResponseMessage response = await emulator.Client.PostAsync($"/{Tenant}/oauth2/token", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        form["client_assertion"] = form["client_assertion"][..^4] + "AAAA"; // break the signature
        using HttpResponseMessage rejected = await emulator.Client.PostAsync($"/{Tenant}/oauth2/token", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
    }

    [Theory]
    [InlineData(null, EmulatorConfig.DefaultSystemIdentityClientId)]
    [InlineData("client_id=" + EmulatorConfig.DefaultUserIdentityClientId, EmulatorConfig.DefaultUserIdentityClientId)]
    [InlineData("msi_res_id=" + EmulatorConfig.DefaultUserIdentityResourceId, EmulatorConfig.DefaultUserIdentityClientId)]
    public async Task Imds_SystemOrUserAssigned_ReturnsTokenForIdentity(string? selector, string expectedClientId)
    {
        using var client = new HttpClient { BaseAddress = emulator.ImdsUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net{(selector is null ? "" : "&" + selector)}");
        request.Headers.Add("Metadata", "true");
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(expectedClientId, body.RootElement.GetProperty("client_id").GetString());
        Assert.Equal(JsonValueKind.String, body.RootElement.GetProperty("expires_on").ValueKind);
        var (kv, _) = await emulator.SendAsync(HttpMethod.Get, "/keys", token: body.RootElement.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, kv.StatusCode);
    }

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, "&client_id=99999999-0000-0000-0000-000000000000")]
    public async Task Imds_NoMetadataHeaderOrUnknownIdentity_Returns400(bool metadataHeader, string extra)
    {
        using var client = new HttpClient { BaseAddress = emulator.ImdsUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net{extra}");
        if (metadataHeader)
        {
            request.Headers.Add("Metadata", "true");
        }
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static byte[] Base64UrlDecode(string s) => Base64Url.TryDecode(s, out byte[] b) ? b : throw new FormatException(s);
}
