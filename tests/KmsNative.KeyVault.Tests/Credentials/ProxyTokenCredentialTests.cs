using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using KmsNative.KeyVault.Configuration;
using KmsNative.KeyVault.Credentials;

namespace KmsNative.KeyVault.Tests.Credentials;

public class ProxyTokenCredentialTests
{
    private const string Secret = "Zq9-very-secret";
    private static readonly TokenRequestContext s_vaultScope = new(["https://vault.azure.net/.default"]);
    private static readonly DateTimeOffset s_start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static LocalHttpServer.Response TokenResponse(string token, DateTimeOffset expiresOn) => new(200,
        $$"""{"token_type":"Bearer","expires_in":"3599","expires_on":"{{expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}}","resource":"https://vault.azure.net","access_token":"{{token}}"}""");

    [Fact]
    public async Task GetTokenAsync_Secret_AadV1RequestWithProxyHeader()
    {
        await using var server = new LocalHttpServer(_ => TokenResponse("token-1", s_start.AddHours(1)));
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "tenant-1", "client-1", Secret,
            timeProvider: new ManualTimeProvider(s_start));

        AccessToken token = await credential.GetTokenAsync(s_vaultScope, default);

        Assert.Equal("token-1", token.Token);
        Assert.Equal(s_start.AddHours(1), token.ExpiresOn);
        Assert.Equal(s_start.AddHours(1) - ProxyTokenCredential.RefreshMargin, token.RefreshOn);
        LocalHttpServer.Request request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/tenant-1/oauth2/token?api-version=1.0", request.Target);
        Assert.Equal("AzureActiveDirectory", request.Headers["x-azure-proxy-target"]);
        Assert.StartsWith("application/x-www-form-urlencoded", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "client-1",
            ["resource"] = "https://vault.azure.net",
            ["client_secret"] = Secret,
        }, request.Form());
    }

    [Fact]
    public async Task GetTokenAsync_Certificate_AssertionSignedAndVerifiable()
    {
        await using var server = new LocalHttpServer(_ => TokenResponse("token-c", s_start.AddHours(1)));
        using X509Certificate2 certificate = TestFiles.CreateRsaCertificate();
        using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        var proxy = new ProxySettings("127.0.0.1", server.Port);
        using var credential = ProxyTokenCredential.WithCertificate(proxy, "tenant-1", "client-1",
            X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12, "p"), "p"),
            timeProvider: new ManualTimeProvider(s_start));

        Assert.Equal("token-c", (await credential.GetTokenAsync(s_vaultScope, default)).Token);

        Dictionary<string, string> form = Assert.Single(server.Requests).Form();
        Assert.False(form.ContainsKey("client_secret"));
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"]);
        string[] parts = form["client_assertion"].Split('.');
        Assert.Equal(3, parts.Length);

        using JsonDocument header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("JWT", header.RootElement.GetProperty("typ").GetString());
#pragma warning disable CA5350 // x5t is defined as a SHA-1 thumbprint
        Assert.Equal(Base64Url.EncodeToString(SHA1.HashData(certificate.RawData)), header.RootElement.GetProperty("x5t").GetString());
#pragma warning restore CA5350
        Assert.Equal(Convert.ToBase64String(certificate.RawData), header.RootElement.GetProperty("x5c")[0].GetString());

        using JsonDocument claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        JsonElement c = claims.RootElement;
        Assert.Equal(proxy.GetTokenUri("tenant-1").AbsoluteUri, c.GetProperty("aud").GetString());
        Assert.Equal("client-1", c.GetProperty("iss").GetString());
        Assert.Equal("client-1", c.GetProperty("sub").GetString());
        Assert.True(Guid.TryParse(c.GetProperty("jti").GetString(), out _));
        Assert.Equal(s_start.ToUnixTimeSeconds(), c.GetProperty("nbf").GetInt64());
        Assert.Equal(s_start.ToUnixTimeSeconds() + 600, c.GetProperty("exp").GetInt64());

        using RSA publicKey = publicOnly.GetRSAPublicKey()!;
        Assert.True(publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task GetTokenAsync_FederatedTokenFile_ReadAgainForEachRequest()
    {
        using var files = new TestFiles();
        string tokenFile = files.Write("token", "federated-1\n");
        var time = new ManualTimeProvider(s_start);
        await using var server = new LocalHttpServer(_ => TokenResponse("t", time.Now.AddHours(1)));
        using var credential = ProxyTokenCredential.WithFederatedTokenFile(new ProxySettings("127.0.0.1", server.Port),
            "tenant-1", "client-1", tokenFile, timeProvider: time);

        await credential.GetTokenAsync(s_vaultScope, default);
        File.WriteAllText(tokenFile, "federated-2");
        time.Now = time.Now.AddHours(1);
        await credential.GetTokenAsync(s_vaultScope, default);

        Assert.Equal(["federated-1", "federated-2"], server.Requests.Select(r => r.Form()["client_assertion"]));
        Assert.All(server.Requests, r => Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", r.Form()["client_assertion_type"]));
    }

    [Fact]
    public async Task GetTokenAsync_FederatedTokenFileMissing_AuthenticationFailed()
    {
        await using var server = new LocalHttpServer(_ => TokenResponse("t", s_start.AddHours(1)));
        using var credential = ProxyTokenCredential.WithFederatedTokenFile(new ProxySettings("127.0.0.1", server.Port),
            "tenant-1", "client-1", "/nonexistent/kmsnative/token");
        var ex = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(s_vaultScope, default).AsTask());
        Assert.Contains("/nonexistent/kmsnative/token", ex.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task GetTokenAsync_Cached_UntilFiveMinutesBeforeExpiry()
    {
        var time = new ManualTimeProvider(s_start);
        int n = 0;
        await using var server = new LocalHttpServer(_ => TokenResponse($"token-{Interlocked.Increment(ref n)}", time.Now.AddHours(1)));
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret, timeProvider: time);

        Assert.Equal("token-1", (await credential.GetTokenAsync(s_vaultScope, default)).Token);
        time.Now = s_start.AddMinutes(54);
        Assert.Equal("token-1", (await credential.GetTokenAsync(s_vaultScope, default)).Token);
        time.Now = s_start.AddMinutes(55);
        Assert.Equal("token-2", (await credential.GetTokenAsync(s_vaultScope, default)).Token);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task GetTokenAsync_DifferentResource_FetchesForIt()
    {
        await using var server = new LocalHttpServer(_ => TokenResponse("t", s_start.AddHours(1)));
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret,
            timeProvider: new ManualTimeProvider(s_start));
        await credential.GetTokenAsync(s_vaultScope, default);
        await credential.GetTokenAsync(new TokenRequestContext(["https://managedhsm.azure.net/.default"]), default);
        Assert.Equal(["https://vault.azure.net", "https://managedhsm.azure.net"], server.Requests.Select(r => r.Form()["resource"]));
    }

    [Fact]
    public async Task GetTokenAsync_ConcurrentCallers_OneRequest()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new LocalHttpServer(async _ =>
        {
            await release.Task;
            return TokenResponse("shared", s_start.AddHours(1));
        });
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret,
            timeProvider: new ManualTimeProvider(s_start));

        Task<AccessToken>[] calls = [.. Enumerable.Range(0, 16).Select(_ => Task.Run(() => credential.GetTokenAsync(s_vaultScope, default).AsTask()))];
        while (server.Requests.IsEmpty)
        {
            await Task.Yield();
        }

        release.SetResult();
        AccessToken[] tokens = await Task.WhenAll(calls);
        Assert.All(tokens, t => Assert.Equal("shared", t.Token));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task GetToken_Synchronous_Works()
    {
        await using var server = new LocalHttpServer(_ => TokenResponse("sync", s_start.AddHours(1)));
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret,
            timeProvider: new ManualTimeProvider(s_start));
        Assert.Equal("sync", credential.GetToken(s_vaultScope, default).Token);
    }

    [Fact]
    public async Task GetTokenAsync_AadError_StatusAndCodeWithoutSecret()
    {
        await using var server = new LocalHttpServer(_ => new LocalHttpServer.Response(401, $$"""
            {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. {{Secret}}","error_codes":[7000215],"timestamp":"x"}
            """));
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret);
        var ex = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(s_vaultScope, default).AsTask());
        Assert.Equal($"token request to http://127.0.0.1:{server.Port}/t/oauth2/token?api-version=1.0 failed: HTTP 401, AAD error invalid_client AADSTS7000215", ex.Message);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(502, "<html>bad gateway</html>", "failed: HTTP 502")]
    [InlineData(400, "{\"error\":\"has spaces and ' quotes\"}", "failed: HTTP 400")]
    [InlineData(200, "{\"token_type\":\"Bearer\"}", "returned HTTP 200 without a usable access_token and expiry")]
    [InlineData(200, "{\"access_token\":\"a\"}", "returned HTTP 200 without a usable access_token and expiry")]
    [InlineData(200, "{\"access_token\":\"a\",\"expires_in\":\"soon\"}", "returned HTTP 200 without a usable access_token and expiry")]
    [InlineData(200, "not json", "returned HTTP 200 without a usable access_token and expiry")]
    public async Task GetTokenAsync_BadResponse_AuthenticationFailed(int status, string body, string expected)
    {
        await using var server = new LocalHttpServer(_ => new LocalHttpServer.Response(status, body));
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret);
        var ex = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(s_vaultScope, default).AsTask());
        Assert.EndsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_ExpiresInOnly_ExpiryFromNow()
    {
        await using var server = new LocalHttpServer(_ => new LocalHttpServer.Response(200, """{"access_token":"a","expires_in":3600}"""));
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret,
            timeProvider: new ManualTimeProvider(s_start));
        Assert.Equal(s_start.AddHours(1), (await credential.GetTokenAsync(s_vaultScope, default)).ExpiresOn);
    }

    [Fact]
    public async Task GetTokenAsync_ProxyDown_AuthenticationFailed()
    {
        int port;
        await using (var closed = new LocalHttpServer(_ => new LocalHttpServer.Response(500, "")))
        {
            port = closed.Port;
        }

        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", port), "t", "c", Secret);
        var ex = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(s_vaultScope, default).AsTask());
        Assert.StartsWith($"token request to http://127.0.0.1:{port}/t/oauth2/token?api-version=1.0 failed: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_RefreshFailsWhileCachedStillValid_ReturnsCached()
    {
        var time = new ManualTimeProvider(s_start);
        bool fail = false;
        await using var server = new LocalHttpServer(_ => fail ? new LocalHttpServer.Response(503, "") : TokenResponse("first", s_start.AddHours(1)));
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret, timeProvider: time);

        await credential.GetTokenAsync(s_vaultScope, default);
        fail = true;
        time.Now = s_start.AddMinutes(58);
        Assert.Equal("first", (await credential.GetTokenAsync(s_vaultScope, default)).Token);
        time.Now = s_start.AddMinutes(61);
        await Assert.ThrowsAnyAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(s_vaultScope, default).AsTask());
    }

    [Fact]
    public async Task GetTokenAsync_Cancelled_Throws()
    {
        var never = new TaskCompletionSource<LocalHttpServer.Response>();
        await using var server = new LocalHttpServer(_ => never.Task);
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", server.Port), "t", "c", Secret);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => credential.GetTokenAsync(s_vaultScope, cts.Token).AsTask());
    }

    [Fact]
    public void GetToken_TwoScopes_Rejected()
    {
        using var credential = ProxyTokenCredential.WithSecret(new ProxySettings("127.0.0.1", 1), "t", "c", Secret);
        Assert.Throws<ArgumentException>(() => credential.GetToken(new TokenRequestContext(["a", "b"]), default));
    }

    [Fact]
    public void WithCertificate_NoPrivateKey_Rejected()
    {
        using X509Certificate2 certificate = TestFiles.CreateRsaCertificate();
        using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        Assert.Throws<ArgumentException>(() => ProxyTokenCredential.WithCertificate(new ProxySettings("127.0.0.1", 1), "t", "c", publicOnly));
    }
}
