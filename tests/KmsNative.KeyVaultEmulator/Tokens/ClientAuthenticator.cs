using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KmsNative.KeyVaultEmulator.Crypto;

namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>
/// Checks the client credentials of a client_credentials grant: client_secret, a certificate-signed client_assertion
/// (RFC 7523 §2.2; adal/MSAL put x5t or x5t#S256 in the header), or a federated (workload identity) assertion.
/// </summary>
internal sealed class ClientAuthenticator(EmulatorConfig config, TokenIssuer issuer)
{
    public const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>The iss of tokens minted by POST /_emulator/federated-token.</summary>
    public const string SelfIssuerUrl = "https://kmsnative-emulator.invalid/federation";

    public TenantConfig? FindTenant(string tenant) =>
        config.Tenants.Find(t => string.Equals(t.Id, tenant, StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the authenticated client, or the error to send.</summary>
    public (ClientConfig? Client, AadError? Error) Authenticate(TenantConfig tenant, IFormCollection form)
    {
        string? clientId = form["client_id"];
        string? secret = form["client_secret"];
        string? assertion = form["client_assertion"];

        if (!string.IsNullOrEmpty(assertion))
        {
            if (form["client_assertion_type"] != JwtBearerAssertionType)
            {
                return (null, AadError.InvalidRequest(50038, $"client_assertion_type must be '{JwtBearerAssertionType}'."));
            }
            return AuthenticateAssertion(tenant, clientId, assertion);
        }
        if (string.IsNullOrEmpty(clientId))
        {
            return (null, AadError.InvalidRequest(900144, "The request body must contain the following parameter: 'client_id'."));
        }
        ClientConfig? client = FindClient(tenant, clientId);
        if (client is null)
        {
            return (null, AadError.UnauthorizedClient(clientId, tenant.Id));
        }
        if (string.IsNullOrEmpty(secret))
        {
            return (null, AadError.InvalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
        }
        if (client.Secret is null ||
            !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(client.Secret)))
        {
            return (null, AadError.InvalidClient(7000215, $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'."));
        }
        return (client, null);
    }

    private (ClientConfig?, AadError?) AuthenticateAssertion(TenantConfig tenant, string? clientId, string assertion)
    {
        if (!Jwt.TryParse(assertion, out Jwt jwt))
        {
            return (null, AadError.InvalidClient(50027, "JWT token is invalid or malformed."));
        }
        clientId = string.IsNullOrEmpty(clientId) ? jwt.Claim("sub") : clientId;
        ClientConfig? client = clientId is null ? null : FindClient(tenant, clientId);
        if (client is null)
        {
            return (null, AadError.UnauthorizedClient(clientId ?? "", tenant.Id));
        }

        long now = issuer.Now.ToUnixTimeSeconds();
        bool inTime = jwt.NumericClaim("exp") is long exp && exp > now &&
                      (jwt.NumericClaim("nbf") is not long nbf || nbf <= now + 300);

        string? iss = jwt.Claim("iss");
        FederatedCredentialConfig? federated = client.Federated.Find(f =>
            string.Equals(f.Issuer == EmulatorConfig.SelfIssuer ? SelfIssuerUrl : f.Issuer, iss, StringComparison.Ordinal));
        if (federated is not null)
        {
            if (federated.Subject != "*" && federated.Subject != jwt.Claim("sub"))
            {
                return (null, AadError.InvalidClient(70021, $"No matching federated identity record found for presented assertion subject '{jwt.Claim("sub")}'."));
            }
            if (!jwt.Audiences().Contains(federated.Audience))
            {
                return (null, AadError.InvalidClient(700212, $"No matching federated identity record found for presented assertion audience '{string.Join(",", jwt.Audiences())}'."));
            }
            if (!VerifyFederatedSignature(federated, jwt))
            {
                return (null, AadError.InvalidClient(700027, "Client assertion failed signature validation."));
            }
            return inTime ? (client, null) : (null, AadError.InvalidClient(700024, "Client assertion is not within its valid time range."));
        }

        if (client.Certificates.Count == 0)
        {
            return (null, AadError.InvalidClient(70021, $"No matching federated identity record found for presented assertion issuer '{iss}'."));
        }
        if (iss != client.ClientId || jwt.Claim("sub") != client.ClientId)
        {
            return (null, AadError.InvalidClient(700023, "Client assertion iss and sub must both be the client id."));
        }
        if (!jwt.Audiences().Any(a => a.Contains("/oauth2/", StringComparison.OrdinalIgnoreCase) || a.Contains(tenant.Id, StringComparison.OrdinalIgnoreCase)))
        {
            return (null, AadError.InvalidClient(700021, "Client assertion audience claim does not match Realm issuer."));
        }
        if (!client.Certificates.Any(pem => VerifyWithCertificate(pem, jwt)))
        {
            return (null, AadError.InvalidClient(700027, "Client assertion failed signature validation."));
        }
        return inTime ? (client, null) : (null, AadError.InvalidClient(700024, "Client assertion is not within its valid time range."));
    }

    private static ClientConfig? FindClient(TenantConfig tenant, string clientId) =>
        tenant.Clients.Find(c => string.Equals(c.ClientId, clientId, StringComparison.OrdinalIgnoreCase));

    private static bool VerifyWithCertificate(string pem, Jwt jwt)
    {
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(pem);
        // RFC 7515 §4.1.7/§4.1.8: when the header names a thumbprint, it must be this certificate's.
        string? x5t = jwt.Header.TryGetProperty("x5t", out var t) ? t.GetString() : null;
        string? x5tS256 = jwt.Header.TryGetProperty("x5t#S256", out var s) ? s.GetString() : null;
        if (x5t is not null && x5t.TrimEnd('=') != Base64Url.Encode(certificate.GetCertHash()))
        {
            return false;
        }
        if (x5tS256 is not null && x5tS256.TrimEnd('=') != Base64Url.Encode(certificate.GetCertHash(HashAlgorithmName.SHA256)))
        {
            return false;
        }
        return jwt.VerifySignature(certificate);
    }

    private bool VerifyFederatedSignature(FederatedCredentialConfig federated, Jwt jwt)
    {
        if (federated.Issuer == EmulatorConfig.SelfIssuer)
        {
            return issuer.VerifyOwnSignature(jwt);
        }
        if (federated.SigningKeyPem is null)
        {
            return true; // Configured without a key: the emulator trusts iss/sub/aud alone.
        }
        if (federated.SigningKeyPem.Contains("CERTIFICATE", StringComparison.Ordinal))
        {
            using X509Certificate2 certificate = X509Certificate2.CreateFromPem(federated.SigningKeyPem);
            return jwt.VerifySignature(certificate);
        }
        using var rsa = RSA.Create();
        rsa.ImportFromPem(federated.SigningKeyPem);
        return jwt.VerifySignature(rsa);
    }
}
