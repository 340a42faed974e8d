using System.Security.Cryptography;
using System.Text.Json;
using KmsNative.KeyVaultEmulator.Crypto;

namespace KmsNative.KeyVaultEmulator.Keys;

/// <summary>
/// Key Vault's KeyBundle and KeyItem JSON. Callers hold the entry's lock. Field names and casing are the service's:
/// <c>key.kid/kty/key_ops/n/e</c>, <c>attributes.enabled/nbf/exp/created/updated/recoveryLevel/recoverableDays</c>.
/// </summary>
internal static class KeyBundleWriter
{
    public static string Kid(string baseUrl, KeyEntry entry, KeyVersion version) =>
        $"{baseUrl}/keys/{entry.Name}/{version.Version}";

    public static void WriteBundle(Utf8JsonWriter w, string baseUrl, KeyEntry entry, KeyVersion version)
    {
        RSAParameters p = version.Rsa.ExportParameters(false);
        w.WriteStartObject();
        w.WriteStartObject("key");
        w.WriteString("kid", Kid(baseUrl, entry, version));
        w.WriteString("kty", version.Kty);
        w.WriteStartArray("key_ops");
        foreach (string op in version.KeyOps)
        {
            w.WriteStringValue(op);
        }
        w.WriteEndArray();
        w.WriteString("n", Base64Url.Encode(p.Modulus));
        w.WriteString("e", Base64Url.Encode(p.Exponent));
        w.WriteEndObject();
        WriteAttributesAndTags(w, version);
        w.WriteEndObject();
    }

    /// <summary>A KeyItem as listed by GET /keys (kid without version) and GET /keys/{name}/versions.</summary>
    public static void WriteItem(Utf8JsonWriter w, string kid, KeyVersion version)
    {
        w.WriteStartObject();
        w.WriteString("kid", kid);
        WriteAttributesAndTags(w, version);
        w.WriteEndObject();
    }

    private static void WriteAttributesAndTags(Utf8JsonWriter w, KeyVersion version)
    {
        w.WriteStartObject("attributes");
        w.WriteBoolean("enabled", version.Enabled);
        if (version.NotBefore is { } nbf)
        {
            w.WriteNumber("nbf", nbf.ToUnixTimeSeconds());
        }
        if (version.Expires is { } exp)
        {
            w.WriteNumber("exp", exp.ToUnixTimeSeconds());
        }
        w.WriteNumber("created", version.Created.ToUnixTimeSeconds());
        w.WriteNumber("updated", version.Updated.ToUnixTimeSeconds());
        w.WriteString("recoveryLevel", "Recoverable+Purgeable");
        w.WriteNumber("recoverableDays", 90);
        w.WriteBoolean("exportable", false);
        w.WriteEndObject();
        if (version.Tags.Count > 0)
        {
            w.WriteStartObject("tags");
            foreach ((string key, string value) in version.Tags)
            {
                w.WriteString(key, value);
            }
            w.WriteEndObject();
        }
    }
}
