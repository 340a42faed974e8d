using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using KmsNative.KeyVaultEmulator.Tokens;

namespace KmsNative.KeyVaultEmulator.Tests;

/// <summary>An emulator whose default client also has a certificate credential.</summary>
public sealed class CertificateClientFixture : EmulatorFixture
{
    public CertificateClientFixture()
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=kmsnative-test-client", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Round-trip through PKCS#12 so the private key is usable by MSAL's signer on every platform.
        ClientCertificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        EmulatorConfig config = EmulatorConfig.CreateDefault();
        config.Tenants[0].Clients[0].Certificates.Add(certificate.ExportCertificatePem());
        Config = config;
    }

    public X509Certificate2 ClientCertificate { get; }
}

/// <summary>Azure.Identity 1.21 (MSAL.NET inside) against the emulator, then the token used on a Key Vault call.</summary>
public sealed class AzureIdentityTests(CertificateClientFixture emulator) : IClassFixture<CertificateClientFixture>
{
    private static readonly TokenRequestContext s_vaultScope = new(["https://vault.azure.net/.default"]);

    private T Configure<T>(T options) where T : TokenCredentialOptions
    {
        options.AuthorityHost = emulator.Url;
        options.Transport = new HttpClientTransport(new HttpClient(EmulatorFixture.CreateHandler(emulator.Ca)));
        options.Retry.MaxRetries = 0;
        return options;
    }

    private async Task AssertTokenWorksOnKeyVaultAsync(AccessToken token)
    {
        Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(30));
        var (response, _) = await emulator.SendAsync(HttpMethod.Get, "/keys", token: token.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ClientSecretCredential_AuthorityHostIsEmulator_GetsVaultToken()
    {
        var credential = new ClientSecretCredential(emulator.DefaultTenantId, EmulatorConfig.DefaultClientId,
            EmulatorConfig.DefaultClientSecret, Configure(new ClientSecretCredentialOptions()));
        await AssertTokenWorksOnKeyVaultAsync(await credential.GetTokenAsync(s_vaultScope));
    }

    [Fact]
    public async Task ClientSecretCredential_InstanceDiscoveryDisabled_GetsVaultToken()
    {
        var credential = new ClientSecretCredential(emulator.DefaultTenantId, EmulatorConfig.DefaultClientId,
            EmulatorConfig.DefaultClientSecret, Configure(new ClientSecretCredentialOptions { DisableInstanceDiscovery = true }));
        await AssertTokenWorksOnKeyVaultAsync(await credential.GetTokenAsync(s_vaultScope));
    }

    [Fact]
    public async Task ClientSecretCredential_WrongSecret_ThrowsAuthenticationFailed()
    {
        var credential = new ClientSecretCredential(emulator.DefaultTenantId, EmulatorConfig.DefaultClientId, "wrong",
            Configure(new ClientSecretCredentialOptions()));
        AuthenticationFailedException ex = await Assert.ThrowsAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(s_vaultScope).AsTask());
        Assert.True(ex.ToString().Contains("AADSTS7000215", StringComparison.Ordinal), ex.ToString());
    }

    [Fact]
    public async Task ClientCertificateCredential_RegisteredCertificate_GetsVaultToken()
    {
        var credential = new ClientCertificateCredential(emulator.DefaultTenantId, EmulatorConfig.DefaultClientId,
            emulator.ClientCertificate, Configure(new ClientCertificateCredentialOptions { SendCertificateChain = true }));
        await AssertTokenWorksOnKeyVaultAsync(await credential.GetTokenAsync(s_vaultScope));
    }

    [Fact]
    public async Task ClientCertificateCredential_UnregisteredCertificate_Fails()
    {
        using RSA key = RSA.Create(2048);
        using X509Certificate2 other = new CertificateRequest("CN=stranger", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var credential = new ClientCertificateCredential(emulator.DefaultTenantId, EmulatorConfig.DefaultClientId, other,
            Configure(new ClientCertificateCredentialOptions()));
        await Assert.ThrowsAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(s_vaultScope).AsTask());
    }

    [Fact]
    public async Task WorkloadIdentityCredential_FederatedTokenFile_GetsVaultToken()
    {
        string file = Path.GetTempFileName();
        try
        {
            await emulator.AdminAsync(HttpMethod.Post, "/_emulator/federated-token", new { subject = "system:serviceaccount:kube-system:kms", file });
            var credential = new WorkloadIdentityCredential(Configure(new WorkloadIdentityCredentialOptions
            {
                TenantId = emulator.DefaultTenantId,
                ClientId = EmulatorConfig.DefaultClientId,
                TokenFilePath = file,
            }));
            await AssertTokenWorksOnKeyVaultAsync(await credential.GetTokenAsync(s_vaultScope));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Azure.Identity 1.21 hands managed identity to MSAL.NET 4.83, whose IMDS source reads AZURE_POD_IDENTITY_AUTHORITY_HOST
    /// (IMDS_ENDPOINT only matters together with IDENTITY_ENDPOINT, for Azure Arc). Process-wide, so both identities are
    /// checked in this one test.
    /// </summary>
    [Fact]
    public async Task ManagedIdentityCredential_PodIdentityAuthorityHost_SystemAndUserAssigned()
    {
        string? previous = Environment.GetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST");
        Environment.SetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST", emulator.ImdsUrl.ToString().TrimEnd('/'));
        try
        {
            var system = new ManagedIdentityCredential(Configure(new ManagedIdentityCredentialOptions(ManagedIdentityId.SystemAssigned)));
            await AssertTokenWorksOnKeyVaultAsync(await system.GetTokenAsync(s_vaultScope));

            var user = new ManagedIdentityCredential(Configure(new ManagedIdentityCredentialOptions(
                ManagedIdentityId.FromUserAssignedClientId(EmulatorConfig.DefaultUserIdentityClientId))));
            AccessToken token = await user.GetTokenAsync(s_vaultScope);
            await AssertTokenWorksOnKeyVaultAsync(token);
            Assert.Contains(EmulatorConfig.DefaultUserIdentityClientId, DecodePayload(token.Token), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST", previous);
        }
    }

    private static string DecodePayload(string jwt) =>
        Crypto.Base64Url.TryDecode(jwt.Split('.')[1], out byte[] payload) ? System.Text.Encoding.UTF8.GetString(payload) : "";
}
