using System.Globalization;
using KmsNative.KeyVault.Client;

namespace KmsNative.Backend;

/// <summary>What a get-key says about whether a key version can serve KMS: enabled, valid now, RSA, encrypt and decrypt allowed.</summary>
internal static class KeyCheck
{
    /// <summary>Null when the key is usable, else why not.</summary>
    public static string? Evaluate(KeyBundle bundle, string keyUrl, DateTimeOffset now)
    {
        KeyAttributes? attributes = bundle.Attributes;
        if (attributes?.Enabled == false)
        {
            return $"key {keyUrl} is disabled";
        }

        if (attributes?.Expires is { } expires && DateTimeOffset.FromUnixTimeSeconds(expires) <= now)
        {
            return $"key {keyUrl} expired at {DateTimeOffset.FromUnixTimeSeconds(expires).ToString("u", CultureInfo.InvariantCulture)}";
        }

        if (attributes?.NotBefore is { } notBefore && DateTimeOffset.FromUnixTimeSeconds(notBefore) > now)
        {
            return $"key {keyUrl} is not valid before {DateTimeOffset.FromUnixTimeSeconds(notBefore).ToString("u", CultureInfo.InvariantCulture)}";
        }

        if (bundle.Key?.KeyOperations is { } operations && !(operations.Contains("encrypt") && operations.Contains("decrypt")))
        {
            return $"key {keyUrl} does not permit encrypt and decrypt (key_ops: {string.Join(',', operations)})";
        }

        if (bundle.Key?.KeyType is { } type && !type.StartsWith("RSA", StringComparison.Ordinal))
        {
            return $"key {keyUrl} is of type {type}; KMS needs an RSA key";
        }

        return null;
    }
}
