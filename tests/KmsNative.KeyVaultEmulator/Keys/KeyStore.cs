using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace KmsNative.KeyVaultEmulator.Keys;

/// <summary>In-memory vault contents. Thread-safe.</summary>
internal sealed partial class KeyStore(TimeProvider time)
{
    public static readonly IReadOnlyList<string> AllKeyOps =
        ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"];

    private readonly ConcurrentDictionary<string, KeyEntry> _keys = new(StringComparer.OrdinalIgnoreCase);

    public static bool IsValidName(string name) => NameRegex().IsMatch(name);

    public static bool IsValidKeySize(int size) => size is 2048 or 3072 or 4096;

    public KeyEntry? Find(string name) => _keys.TryGetValue(name, out KeyEntry? entry) ? entry : null;

    public IReadOnlyList<KeyEntry> All() => [.. _keys.Values.OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)];

    /// <summary>Adds a new version (creating the key if needed). Takes ownership of <paramref name="rsa"/>.</summary>
    public (KeyEntry Entry, KeyVersion Version) AddVersion(
        string name, string kty, RSA rsa, IReadOnlyList<string>? keyOps, string? version = null)
    {
        KeyEntry entry = _keys.GetOrAdd(name, n => new KeyEntry(n));
        var created = new KeyVersion(version ?? KeyVersion.NewVersionId(), kty, rsa, keyOps ?? AllKeyOps,
            DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds()));
        lock (entry.Sync)
        {
            entry.Versions.Add(created);
        }
        return (entry, created);
    }

    // Key Vault object names: 1-127 characters, letters, digits and dashes.
    [GeneratedRegex("^[0-9a-zA-Z-]{1,127}$")]
    private static partial Regex NameRegex();
}
