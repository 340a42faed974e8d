namespace KmsNative.KeyVaultEmulator.Keys;

/// <summary>A named key and its versions, oldest first. Lock on <see cref="Sync"/> for any read or write.</summary>
internal sealed class KeyEntry(string name)
{
    public object Sync { get; } = new();

    /// <summary>The name as first created; lookups are case-insensitive like Key Vault.</summary>
    public string Name { get; } = name;

    public List<KeyVersion> Versions { get; } = [];

    public KeyVersion Latest => Versions[^1];

    public KeyVersion? Find(string version) =>
        Versions.Find(v => string.Equals(v.Version, version, StringComparison.OrdinalIgnoreCase));
}
