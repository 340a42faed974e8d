using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KmsNative.KeyVaultEmulator.Crypto;

namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>
/// Signs access tokens (RS256) with a key made at start-up and checks them on Key Vault calls.
/// Owns the signing key. Thread-safe.
/// </summary>
internal sealed class TokenIssuer : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly TimeProvider _time;

    public TokenIssuer(TimeProvider time, TimeSpan lifetime)
    {
        _time = time;
        Lifetime = lifetime;
        KeyId = Base64Url.Encode(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16));
    }

    public TimeSpan Lifetime { get; }

    public string KeyId { get; }

    /// <summary>The signing key's public part, for JWKS and for federated tokens the emulator mints itself.</summary>
    public RSAParameters PublicKey => _key.ExportParameters(false);

    public DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());

    /// <summary>
    /// An Entra ID style access token: aud, iss, iat, nbf, exp, tid, appid/azp, oid, sub, idtyp, ver.
    /// <paramref name="lifetime"/> may be negative, which yields an already expired token (for tests).
    /// </summary>
    public IssuedToken Issue(string issuer, string audience, string tenantId, string appId, string objectId,
        TimeSpan? lifetime = null, string version = "1.0")
    {
        DateTimeOffset now = Now;
        DateTimeOffset expires = now + (lifetime ?? Lifetime);
        DateTimeOffset notBefore = expires < now ? expires - TimeSpan.FromMinutes(5) : now;
        var payload = new JsonObject
        {
            ["aud"] = audience,
            ["iss"] = issuer,
            ["iat"] = notBefore.ToUnixTimeSeconds(),
            ["nbf"] = notBefore.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["tid"] = tenantId,
            ["appid"] = appId,
            ["azp"] = appId,
            ["oid"] = objectId,
            ["sub"] = objectId,
            ["idtyp"] = "app",
            ["ver"] = version,
            ["uti"] = Base64Url.Encode(RandomNumberGenerator.GetBytes(12)),
        };
        string token = Jwt.SignRs256(new JsonObject { ["kid"] = KeyId }, payload, _key);
        return new IssuedToken(token, notBefore, expires);
    }

    /// <summary>A service-account-like token for workload identity tests (iss = <paramref name="issuer"/>).</summary>
    public string IssueFederated(string issuer, string subject, string audience, TimeSpan lifetime)
    {
        DateTimeOffset now = Now;
        var payload = new JsonObject
        {
            ["aud"] = audience,
            ["iss"] = issuer,
            ["sub"] = subject,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
        };
        return Jwt.SignRs256(new JsonObject { ["kid"] = KeyId }, payload, _key);
    }

    public bool VerifyOwnSignature(Jwt jwt) => jwt.Algorithm == "RS256" && jwt.VerifySignature(_key);

    /// <summary>Null when the bearer token is good for Key Vault; otherwise the reason, for the 401 body.</summary>
    public string? ValidateAccessToken(string? token, IReadOnlyList<string> audiences)
    {
        if (!Jwt.TryParse(token, out Jwt jwt))
        {
            return "AKV10005: Malformed bearer token.";
        }
        if (!VerifyOwnSignature(jwt))
        {
            return "AKV10031: Token signature is invalid.";
        }
        List<string> tokenAudiences = jwt.Audiences().ToList();
        if (!tokenAudiences.Any(a => audiences.Any(r => string.Equals(a.TrimEnd('/'), r.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))))
        {
            return $"AKV10022: Invalid audience. Expected {audiences[0]}, found: {string.Join(",", tokenAudiences)}.";
        }
        long now = Now.ToUnixTimeSeconds();
        if (jwt.NumericClaim("exp") is not long exp || exp <= now)
        {
            return "AKV10032: Token is expired.";
        }
        if (jwt.NumericClaim("nbf") is long nbf && nbf > now + 300)
        {
            return "AKV10033: Token is not yet valid.";
        }
        return null;
    }

    public void Dispose() => _key.Dispose();
}
