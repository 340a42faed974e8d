using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using KmsNative.KeyVault.Configuration;
using KmsNative.KeyVault.Credentials;

namespace KmsNative.KeyVault.Tests.Credentials;

public sealed class CredentialFactoryTests : IDisposable
{
    private const string ConfigPath = "/etc/kubernetes/azure.json";
    private const string ClientId = "0000aaaa-1111-2222-3333-4444bbbb5555";
    private const string Secret = "Zq9-client-secret-value";
    private const string CertPassword = "pfx-password-value";

    private static readonly AzureCloud s_public = AzureClouds.Resolve(null, false, _ => null);
    private static readonly Func<string, string?> s_noEnvironment = _ => null;

    private readonly TestFiles _files = new();
    private readonly StubTokenHandler _handler = new();

    public void Dispose() => _files.Dispose();

    private static AzureConfig Config(string json) =>
        AzureConfigParser.Parse(System.Text.Encoding.UTF8.GetBytes(json), ConfigPath);

    private TokenCredential Create(AzureConfig config, out string description, ProxySettings? proxy = null,
        Func<string, string?>? env = null, AzureCloud? cloud = null) =>
        CredentialFactory.Create(config, cloud ?? s_public, proxy, env ?? s_noEnvironment,
            new HttpClientTransport(new HttpClient(_handler)), proxyHandler: null, out description);

    private ConfigurationException CreateFails(AzureConfig config, Func<string, string?>? env = null) =>
        Assert.Throws<ConfigurationException>(() => Create(config, out _, env: env));

    private string WritePfx(string password, out X509Certificate2 certificate)
    {
        certificate = TestFiles.CreateRsaCertificate();
        return _files.Write("client.pfx", certificate.Export(X509ContentType.Pkcs12, password));
    }

    // --- token endpoint: global, never regional ---

    [Fact]
    public void Create_MsalForceRegionSet_IgnoredWithANoteAndRegionsSwitchedOffForMsal()
    {
        Create(Config($$"""{"aadClientId": "{{ClientId}}", "aadClientSecret": "{{Secret}}", "tenantId": "t"}"""),
            out string description, env: name => name == "MSAL_FORCE_REGION" ? "westus2" : null);
        Assert.EndsWith("; MSAL_FORCE_REGION ignored: tokens come from the global endpoint, as with the Go plugin", description, StringComparison.Ordinal);
        Assert.Equal("1", Environment.GetEnvironmentVariable("MSAL_DISABLE_REGION"));
    }

    [Fact]
    public void Create_MsalForceRegionUnset_NoNote()
    {
        Create(Config("""{"useManagedIdentityExtension": true}"""), out string description);
        Assert.DoesNotContain("MSAL_FORCE_REGION", description, StringComparison.Ordinal);
    }

    // --- precedence (contract 1.b.2) ---

    [Fact]
    public void Create_ManagedIdentityUserAssigned_IgnoresServicePrincipal()
    {
        TokenCredential credential = Create(Config($$"""
            {"useManagedIdentityExtension": true, "userAssignedIdentityID": "{{ClientId}}",
             "aadClientId": "sp", "aadClientSecret": "{{Secret}}", "tenantId": "t"}
            """), out string description);
        Assert.IsType<ManagedIdentityCredential>(credential);
        Assert.Equal("managed identity (user-assigned, client id 0000##### REDACTED #####5555)", description);
    }

    [Fact]
    public void Create_ManagedIdentitySystemAssigned()
    {
        TokenCredential credential = Create(Config($$"""{"useManagedIdentityExtension": true, "aadClientCertPath": "/x", "aadClientCertPassword": "p"}"""),
            out string description);
        Assert.IsType<ManagedIdentityCredential>(credential);
        Assert.Equal("managed identity (system-assigned)", description);
    }

    [Fact]
    public void Create_UserAssignedIdWithoutExtensionFlag_NotManagedIdentity()
    {
        var ex = CreateFails(Config($$"""{"userAssignedIdentityID": "{{ClientId}}"}"""));
        Assert.StartsWith($"{ConfigPath}: no credentials provided for accessing keyvault.", ex.Message);
    }

    [Fact]
    public void Create_ManagedIdentityWithProxy_NotProxied()
    {
        TokenCredential credential = Create(Config("""{"useManagedIdentityExtension": true}"""), out string description,
            proxy: new ProxySettings("localhost", 7788));
        Assert.IsType<ManagedIdentityCredential>(credential);
        Assert.Contains("not through the proxy", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ClientSecret_BeatsCertificateAndWorkloadIdentity()
    {
        string pfx = WritePfx(CertPassword, out X509Certificate2 certificate);
        certificate.Dispose();
        TokenCredential credential = Create(Config($$"""
            {"tenantId": "tenant-1", "aadClientId": "{{ClientId}}", "aadClientSecret": "{{Secret}}",
             "aadClientCertPath": "{{pfx}}", "aadClientCertPassword": "{{CertPassword}}", "useFederatedWorkloadIdentityExtension": true}
            """), out string description);
        Assert.IsType<ClientSecretCredential>(credential);
        Assert.Equal("service principal with client secret (tenant tenant-1, client id 0000##### REDACTED #####5555)", description);
        Assert.DoesNotContain(Secret, description, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ClientSecretWithProxy_ProxyCredential()
    {
        TokenCredential credential = Create(Config($$"""{"tenantId": "t", "aadClientId": "{{ClientId}}", "aadClientSecret": "{{Secret}}"}"""),
            out string description, proxy: new ProxySettings("localhost", 7788));
        var proxyCredential = Assert.IsType<ProxyTokenCredential>(credential);
        Assert.Equal(new Uri("http://localhost:7788/t/oauth2/token?api-version=1.0"), proxyCredential.TokenUri);
        Assert.EndsWith(", through proxy http://localhost:7788/)", description, StringComparison.Ordinal);
        proxyCredential.Dispose();
    }

    [Fact]
    public void Create_ShortClientId_FullyRedacted()
    {
        Create(Config($$"""{"tenantId": "t", "aadClientId": "abc", "aadClientSecret": "{{Secret}}"}"""), out string description);
        Assert.Contains("client id ##### REDACTED #####)", description, StringComparison.Ordinal);
        Assert.DoesNotContain("abc", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ClientSecretWithoutTenant_Error()
    {
        var ex = CreateFails(Config($$"""{"aadClientId": "c", "aadClientSecret": "{{Secret}}"}"""));
        Assert.Equal($"{ConfigPath}: the client secret credential needs \"tenantId\", which is empty", ex.Message);
    }

    [Fact]
    public void Create_SecretWithMisspelledClientId_NoCredentialsWithHint()
    {
        var ex = CreateFails(Config($$"""{"tenantId": "t", "aadClientID": "c", "aadClientSecret": "{{Secret}}"}"""));
        Assert.Contains("\"aadClientSecret\" is set but \"aadClientId\" is empty (the key is \"aadClientId\", not \"aadClientID\")", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_Pfx_ClientCertificateCredential()
    {
        string pfx = WritePfx(CertPassword, out X509Certificate2 certificate);
        using (certificate)
        {
            TokenCredential credential = Create(Config($$"""
                {"tenantId": "t", "aadClientId": "{{ClientId}}", "aadClientCertPath": "{{pfx}}", "aadClientCertPassword": "{{CertPassword}}",
                 "useFederatedWorkloadIdentityExtension": true}
                """), out string description);
            Assert.IsType<ClientCertificateCredential>(credential);
            Assert.StartsWith($"service principal with client certificate (tenant t, client id 0000##### REDACTED #####5555, certificate {certificate.Thumbprint} expiring ", description, StringComparison.Ordinal);
            Assert.DoesNotContain(CertPassword, description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Create_PfxWithProxy_ProxyCredential()
    {
        string pfx = WritePfx(CertPassword, out X509Certificate2 certificate);
        certificate.Dispose();
        TokenCredential credential = Create(Config($$"""
            {"tenantId": "t", "aadClientId": "{{ClientId}}", "aadClientCertPath": "{{pfx}}", "aadClientCertPassword": "{{CertPassword}}"}
            """), out _, proxy: new ProxySettings("localhost", 7788));
        Assert.IsType<ProxyTokenCredential>(credential);
        ((IDisposable)credential).Dispose();
    }

    [Fact]
    public void Create_PfxWithoutPassword_FallsThroughAsTheGoPlugin()
    {
        string pfx = WritePfx("", out X509Certificate2 certificate);
        certificate.Dispose();
        var ex = CreateFails(Config($$"""{"tenantId": "t", "aadClientId": "c", "aadClientCertPath": "{{pfx}}"}"""));
        Assert.Contains("\"aadClientCertPath\" is set but \"aadClientCertPassword\" is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_PemWithoutPassword_ClientCertificate()
    {
        using X509Certificate2 certificate = TestFiles.CreateRsaCertificate();
        using RSA key = certificate.GetRSAPrivateKey()!;
        string pem = _files.Write("client.pem", certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        TokenCredential credential = Create(Config($$"""{"tenantId": "t", "aadClientId": "c1234567", "aadClientCertPath": "{{pem}}"}"""), out _);
        Assert.IsType<ClientCertificateCredential>(credential);
    }

    [Fact]
    public void Create_CertificateWithoutClientId_Error()
    {
        string pfx = WritePfx(CertPassword, out X509Certificate2 certificate);
        certificate.Dispose();
        var ex = CreateFails(Config($$"""{"tenantId": "t", "aadClientCertPath": "{{pfx}}", "aadClientCertPassword": "{{CertPassword}}"}"""));
        Assert.StartsWith($"{ConfigPath}: \"aadClientCertPath\" is set, but \"aadClientId\" is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CertificateWithoutTenant_Error()
    {
        string pfx = WritePfx(CertPassword, out X509Certificate2 certificate);
        certificate.Dispose();
        var ex = CreateFails(Config($$"""{"aadClientId": "c", "aadClientCertPath": "{{pfx}}", "aadClientCertPassword": "{{CertPassword}}"}"""));
        Assert.Equal($"{ConfigPath}: the client certificate credential needs \"tenantId\", which is empty", ex.Message);
    }

    [Fact]
    public void Create_CertificateFileMissing_ErrorNamesFieldAndFile()
    {
        string missing = Path.Combine(_files.Directory, "missing.pfx");
        var ex = CreateFails(Config($$"""{"tenantId": "t", "aadClientId": "c", "aadClientCertPath": "{{missing}}", "aadClientCertPassword": "{{CertPassword}}"}"""));
        Assert.Equal($"{ConfigPath}: \"aadClientCertPath\" is \"{missing}\", which cannot be read: it does not exist", ex.Message);
    }

    [Fact]
    public void Create_CertificateWrongPassword_ErrorWithoutPassword()
    {
        string pfx = WritePfx(CertPassword, out X509Certificate2 certificate);
        certificate.Dispose();
        var ex = CreateFails(Config($$"""{"tenantId": "t", "aadClientId": "c", "aadClientCertPath": "{{pfx}}", "aadClientCertPassword": "wrong-password"}"""));
        Assert.StartsWith($"{ConfigPath}: \"aadClientCertPath\" is \"{pfx}\", which cannot be opened as a PKCS#12 (PFX) file with \"aadClientCertPassword\"", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", ex.ToString(), StringComparison.Ordinal);
    }

    // --- workload identity ---

    [Fact]
    public void Create_WorkloadIdentityFromAzureJson()
    {
        string token = _files.Write("token", "jwt");
        TokenCredential credential = Create(Config($$"""
            {"useFederatedWorkloadIdentityExtension": true, "aadFederatedTokenFile": "{{token}}", "aadClientId": "{{ClientId}}", "tenantId": "t"}
            """), out string description, env: name => name == "AZURE_FEDERATED_TOKEN_FILE" ? "/other" : null);
        Assert.IsType<WorkloadIdentityCredential>(credential);
        Assert.Equal($"workload identity (tenant t, client id 0000##### REDACTED #####5555, token file {token})", description);
    }

    [Fact]
    public void Create_WorkloadIdentityFromEnvironment()
    {
        string token = _files.Write("token", "jwt");
        var env = new Dictionary<string, string>
        {
            ["AZURE_FEDERATED_TOKEN_FILE"] = token,
            ["AZURE_CLIENT_ID"] = ClientId,
            ["AZURE_TENANT_ID"] = "env-tenant",
        };
        TokenCredential credential = Create(Config("{}"), out string description, env: env.GetValueOrDefault);
        Assert.IsType<WorkloadIdentityCredential>(credential);
        Assert.Equal($"workload identity (tenant env-tenant, client id 0000##### REDACTED #####5555, token file {token})", description);
    }

    [Fact]
    public void Create_WorkloadIdentityWithProxy_ProxyCredential()
    {
        string token = _files.Write("token", "jwt");
        TokenCredential credential = Create(Config($$"""{"aadFederatedTokenFile": "{{token}}", "aadClientId": "c", "tenantId": "t"}"""),
            out _, proxy: new ProxySettings("localhost", 7788));
        Assert.IsType<ProxyTokenCredential>(credential);
        ((IDisposable)credential).Dispose();
    }

    [Theory]
    [InlineData("""{"useFederatedWorkloadIdentityExtension": true, "aadClientId": "c", "tenantId": "t"}""", "needs a token file: set \"aadFederatedTokenFile\" or AZURE_FEDERATED_TOKEN_FILE")]
    [InlineData("""{"aadFederatedTokenFile": "/x", "tenantId": "t"}""", "needs a client id: set \"aadClientId\" or AZURE_CLIENT_ID")]
    [InlineData("""{"aadFederatedTokenFile": "/x", "aadClientId": "c"}""", "needs a tenant: set \"tenantId\" or AZURE_TENANT_ID")]
    [InlineData("""{"aadFederatedTokenFile": "/nonexistent/kmsnative/token", "aadClientId": "c", "tenantId": "t"}""", "token file \"aadFederatedTokenFile\" is \"/nonexistent/kmsnative/token\", which does not exist")]
    public void Create_WorkloadIdentityIncomplete_ErrorNamesField(string json, string expected)
    {
        var ex = CreateFails(Config(json));
        Assert.StartsWith($"{ConfigPath}: workload identity", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WorkloadIdentityEnvironmentTokenFileMissing_ErrorNamesVariable()
    {
        var env = new Dictionary<string, string>
        {
            ["AZURE_FEDERATED_TOKEN_FILE"] = "/nonexistent/kmsnative/token",
            ["AZURE_CLIENT_ID"] = "c",
            ["AZURE_TENANT_ID"] = "t",
        };
        var ex = CreateFails(Config("{}"), env.GetValueOrDefault);
        Assert.Contains("token file AZURE_FEDERATED_TOKEN_FILE is \"/nonexistent/kmsnative/token\"", ex.Message, StringComparison.Ordinal);
    }

    // --- nothing configured ---

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"useManagedIdentityExtension": false, "tenantId": "t"}""")]
    public void Create_NoCredentials_ErrorSaysWhatEnablesEachMode(string json)
    {
        var ex = CreateFails(Config(json));
        Assert.StartsWith($"{ConfigPath}: no credentials provided for accessing keyvault.", ex.Message, StringComparison.Ordinal);
        foreach (string field in new[] { "useManagedIdentityExtension", "userAssignedIdentityID", "aadClientSecret", "aadClientCertPath", "aadClientCertPassword", "useFederatedWorkloadIdentityExtension", "aadFederatedTokenFile", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID" })
        {
            Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Create_ClientIdAlone_NoCredentialsWithHint()
    {
        var ex = CreateFails(Config("""{"aadClientId": "c", "tenantId": "t"}"""));
        Assert.Contains("\"aadClientId\" is set, but with neither \"aadClientSecret\" nor \"aadClientCertPath\"", ex.Message, StringComparison.Ordinal);
    }

    // --- token flows through Azure.Identity, answered in memory ---

    [Fact]
    public async Task GetTokenAsync_ClientSecret_UsesTheCloudsAuthority()
    {
        AzureCloud china = AzureClouds.Resolve("AzureChinaCloud", false, s_noEnvironment);
        TokenCredential credential = Create(Config($$"""{"tenantId": "tenant-1", "aadClientId": "c", "aadClientSecret": "{{Secret}}"}"""),
            out _, cloud: china);
        AccessToken token = await credential.GetTokenAsync(new TokenRequestContext([china.TokenScope]), default);
        Assert.Equal("aad-token", token.Token);
        var request = _handler.Requests.Last();
        // MSAL sends to the cloud's preferred network alias: login.chinacloudapi.cn → login.partner.microsoftonline.cn.
        Assert.Contains(request.Uri.Host, new[] { "login.chinacloudapi.cn", "login.partner.microsoftonline.cn" });
        Assert.Equal("/tenant-1/oauth2/v2.0/token", request.Uri.AbsolutePath);
        Assert.Contains("scope=https%3A%2F%2Fvault.azure.cn%2F.default", request.Body, StringComparison.Ordinal);
        Assert.Contains("grant_type=client_credentials", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_ManagedIdentityUserAssigned_CallsImdsWithClientId()
    {
        TokenCredential credential = Create(Config($$"""{"useManagedIdentityExtension": true, "userAssignedIdentityID": "{{ClientId}}"}"""), out _);
        AccessToken token = await credential.GetTokenAsync(new TokenRequestContext([s_public.TokenScope]), default);
        Assert.Equal("imds-token", token.Token);
        var request = _handler.Requests.Last();
        Assert.Equal("169.254.169.254", request.Uri.Host);
        Assert.Contains($"client_id={ClientId}", request.Uri.Query, StringComparison.Ordinal);
        Assert.Contains("resource=https", request.Uri.Query, StringComparison.Ordinal);
        Assert.Equal("true", request.Headers["Metadata"]);
    }

    [Fact]
    public async Task GetTokenAsync_ManagedHsmCloud_AudienceIsHsm()
    {
        AzureCloud hsm = AzureClouds.Resolve(null, managedHsm: true, s_noEnvironment);
        TokenCredential credential = Create(Config("""{"useManagedIdentityExtension": true}"""), out _, cloud: hsm);
        await credential.GetTokenAsync(new TokenRequestContext([hsm.TokenScope]), default);
        var request = _handler.Requests.Last();
        Assert.DoesNotContain("client_id", request.Uri.Query, StringComparison.Ordinal);
        Assert.Contains("resource=https://managedhsm.azure.net", Uri.UnescapeDataString(request.Uri.Query), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_WorkloadIdentity_SendsTheFederatedToken()
    {
        string token = _files.Write("token", "federated-jwt");
        TokenCredential credential = Create(Config($$"""{"aadFederatedTokenFile": "{{token}}", "aadClientId": "c", "tenantId": "tenant-w"}"""), out _);
        Assert.Equal("aad-token", (await credential.GetTokenAsync(new TokenRequestContext([s_public.TokenScope]), default)).Token);
        var request = _handler.Requests.Last();
        Assert.Equal("https://login.microsoftonline.com/tenant-w/oauth2/v2.0/token", request.Uri.GetLeftPart(UriPartial.Path));
        Assert.Contains("client_assertion=federated-jwt", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_Pfx_SignedAssertion()
    {
        string pfx = WritePfx(CertPassword, out X509Certificate2 certificate);
        certificate.Dispose();
        TokenCredential credential = Create(Config($$"""
            {"tenantId": "t", "aadClientId": "c", "aadClientCertPath": "{{pfx}}", "aadClientCertPassword": "{{CertPassword}}"}
            """), out _);
        Assert.Equal("aad-token", (await credential.GetTokenAsync(new TokenRequestContext([s_public.TokenScope]), default)).Token);
        Assert.Contains("client_assertion=ey", _handler.Requests.Last().Body, StringComparison.Ordinal);
    }
}
