using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KmsNative.KeyVaultEmulator.Crypto;
using KmsNative.KeyVaultEmulator.Http;

namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>
/// A compact JWS (RFC 7515 §7.1): BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature).
/// Parsing never checks the signature; call <see cref="VerifySignature(RSA)"/> or <see cref="VerifySignature(X509Certificate2)"/>.
/// </summary>
internal sealed class Jwt
{
    private Jwt(JsonElement header, JsonElement payload, byte[] signingInput, byte[] signature)
    {
        Header = header;
        Payload = payload;
        SigningInput = signingInput;
        Signature = signature;
    }

    public JsonElement Header { get; }

    public JsonElement Payload { get; }

    public byte[] SigningInput { get; }

    public byte[] Signature { get; }

    public string? Algorithm => Header.GetStringOrNull("alg");

    public static string SignRs256(JsonObject header, JsonObject payload, RSA key)
    {
        header["alg"] = "RS256";
        header["typ"] = "JWT";
        string signingInput = Base64Url.Encode(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." +
                              Base64Url.Encode(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        byte[] signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.Encode(signature);
    }

    public static bool TryParse(string? token, out Jwt jwt)
    {
        jwt = null!;
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }
        string[] parts = token.Split('.');
        if (parts.Length != 3 ||
            !Base64Url.TryDecode(parts[0], out byte[] headerBytes) ||
            !Base64Url.TryDecode(parts[1], out byte[] payloadBytes) ||
            !Base64Url.TryDecode(parts[2], out byte[] signature))
        {
            return false;
        }
        try
        {
            using JsonDocument header = JsonDocument.Parse(headerBytes);
            using JsonDocument payload = JsonDocument.Parse(payloadBytes);
            if (header.RootElement.ValueKind != JsonValueKind.Object || payload.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            jwt = new Jwt(header.RootElement.Clone(), payload.RootElement.Clone(),
                Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public string? Claim(string name) => Payload.GetStringOrNull(name);

    /// <summary>A NumericDate (RFC 7519 §2). MSAL.NET writes nbf/exp of client assertions as strings, and Entra ID accepts that.</summary>
    public long? NumericClaim(string name)
    {
        if (!Payload.TryGetProperty(name, out JsonElement v))
        {
            return null;
        }
        if (v.ValueKind == JsonValueKind.Number)
        {
            return v.TryGetInt64(out long n) ? n : (long)v.GetDouble();
        }
        return v.ValueKind == JsonValueKind.String &&
               long.TryParse(v.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long s)
            ? s
            : null;
    }

    /// <summary>The audience claim, which RFC 7519 §4.1.3 allows to be a string or an array of strings.</summary>
    public IEnumerable<string> Audiences()
    {
        if (!Payload.TryGetProperty("aud", out JsonElement aud))
        {
            return [];
        }
        if (aud.ValueKind == JsonValueKind.String)
        {
            return [aud.GetString()!];
        }
        return aud.ValueKind == JsonValueKind.Array
            ? aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToList()
            : [];
    }

    /// <summary>RS256 or PS256 (RFC 7518 §3.3, §3.5) with the given public key.</summary>
    public bool VerifySignature(RSA key) => Algorithm switch
    {
        "RS256" => key.VerifyData(SigningInput, Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        "PS256" => key.VerifyData(SigningInput, Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
        _ => false,
    };

    public bool VerifySignature(ECDsa key) =>
        Algorithm == "ES256" && key.VerifyData(SigningInput, Signature, HashAlgorithmName.SHA256);

    public bool VerifySignature(X509Certificate2 certificate)
    {
        using RSA? rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return VerifySignature(rsa);
        }
        using ECDsa? ec = certificate.GetECDsaPublicKey();
        return ec is not null && VerifySignature(ec);
    }
}
