using KmsNative.KeyVault.Client;
using KmsNative.Kms.Hosting;

namespace KmsNative.Backend;

/// <summary>
/// Which version of the configured key Encrypt uses, and which versions Decrypt accepts.
/// <para>
/// <see cref="Current"/> is the version Encrypt uses and Status reports. Pinned (--key-version) it never changes.
/// Versionless, the background check resolves the latest enabled version; a new one is only <em>proposed</em>
/// (<see cref="Propose"/>) and becomes current when Status next reports it (<see cref="CurrentForStatus"/>), or after
/// one check interval without any Status (a v1-only cluster): so no Encrypt answers with a key id that Status has not
/// reported yet. A failed check proposes nothing, so the last good version stays.
/// </para>
/// <para>
/// Every version's key id (the Go plugin's hash of its URL) maps to that version, from list versions; the list is
/// refreshed by the versionless check and otherwise on demand (an unknown key id, a v1 fallback) at most once per
/// <see cref="RefreshInterval"/>. Thread-safe.
/// </para>
/// </summary>
internal sealed class KeyRing
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly KeyReference _configured;
    private readonly TimeProvider _time;
    private readonly IKmsLog _log;
    private readonly Lock _sync = new();
    private KeyReference? _current;
    private KeyReference? _pending;
    private DateTimeOffset _pendingSince;
    private Dictionary<string, KeyReference> _byKeyId = new(StringComparer.Ordinal);
    private List<KeyReference> _enabledNewestFirst = [];
    private DateTimeOffset _lastRefresh = DateTimeOffset.MinValue;

    /// <param name="configured">The flags' key; Version is empty when --key-version was omitted.</param>
    public KeyRing(KeyReference configured, TimeProvider time, IKmsLog log)
    {
        _configured = configured;
        _time = time;
        _log = log;
        if (IsPinned)
        {
            _current = configured;
            _byKeyId[configured.KeyIdHash] = configured;
        }
    }

    public bool IsPinned => _configured.Version.Length > 0;

    public KeyReference Configured => _configured;

    /// <summary>The version Encrypt uses; null until a versionless key has been resolved once.</summary>
    public KeyReference? Current => Volatile.Read(ref _current);

    /// <summary>What Status reports: first adopts a proposed version, so Encrypt uses it only once Status has said so.</summary>
    public KeyReference? CurrentForStatus()
    {
        if (Volatile.Read(ref _pending) is null)
        {
            return Current;
        }

        lock (_sync)
        {
            Adopt();
            return _current;
        }
    }

    /// <summary>The check found <paramref name="latest"/> to be the latest usable version.</summary>
    public void Propose(KeyReference latest)
    {
        lock (_sync)
        {
            _byKeyId[latest.KeyIdHash] = latest;
            if (_current is null)
            {
                _current = latest;
                _log.Write(LogLevel.Info, "using key version", ("key", latest.KeyUrl), ("keyID", latest.KeyIdHash));
            }
            else if (_current.Version == latest.Version)
            {
                _pending = null;
            }
            else if (_pending?.Version != latest.Version)
            {
                _pending = latest;
                _pendingSince = _time.GetUtcNow();
                _log.Write(LogLevel.Info, "new key version found; Encrypt uses it once Status has reported its key id", ("key", latest.KeyUrl), ("keyID", latest.KeyIdHash));
            }
        }
    }

    /// <summary>Adopts a proposal no Status has picked up within <paramref name="after"/> (nobody polls Status).</summary>
    public void AdoptStale(TimeSpan after)
    {
        lock (_sync)
        {
            if (_pending is not null && _time.GetUtcNow() - _pendingSince >= after)
            {
                Adopt();
            }
        }
    }

    public bool TryFind(string keyId, out KeyReference key)
    {
        lock (_sync)
        {
            return _byKeyId.TryGetValue(keyId, out key!);
        }
    }

    /// <summary>Enabled versions other than <paramref name="except"/>, newest first, as of the last list.</summary>
    public IReadOnlyList<KeyReference> OthersNewestFirst(KeyReference except)
    {
        lock (_sync)
        {
            return [.. _enabledNewestFirst.Where(k => k.Version != except.Version)];
        }
    }

    /// <summary>True (and the slot taken) when an on-demand list is allowed now: at most once per <see cref="RefreshInterval"/>.</summary>
    public bool TryStartRefresh()
    {
        lock (_sync)
        {
            DateTimeOffset now = _time.GetUtcNow();
            if (now - _lastRefresh < RefreshInterval)
            {
                return false;
            }

            _lastRefresh = now;
            return true;
        }
    }

    /// <summary>Every version from list versions. Returns the latest enabled version valid now, or null.</summary>
    public KeyReference? SetVersions(IReadOnlyList<KeyItem> items)
    {
        DateTimeOffset now = _time.GetUtcNow();
        var byKeyId = new Dictionary<string, KeyReference>(StringComparer.Ordinal);
        var enabled = new List<(KeyReference Key, long Created)>();
        KeyReference? latest = null;
        long latestCreated = long.MinValue;
        foreach (KeyItem item in items)
        {
            if (VersionOf(item.KeyId) is not { Length: > 0 } version)
            {
                continue;
            }

            var key = _configured.ForVersion(version);
            byKeyId[key.KeyIdHash] = key;
            KeyAttributes? attributes = item.Attributes;
            long created = attributes?.Created ?? 0;
            if (attributes?.Enabled == false)
            {
                continue;
            }

            enabled.Add((key, created));
            bool valid = (attributes?.NotBefore is not { } nbf || DateTimeOffset.FromUnixTimeSeconds(nbf) <= now)
                && (attributes?.Expires is not { } exp || DateTimeOffset.FromUnixTimeSeconds(exp) > now);
            if (valid && created >= latestCreated)
            {
                latest = key;
                latestCreated = created;
            }
        }

        lock (_sync)
        {
            if (_current is not null)
            {
                byKeyId[_current.KeyIdHash] = _current;
            }

            if (_pending is not null)
            {
                byKeyId[_pending.KeyIdHash] = _pending;
            }

            _byKeyId = byKeyId;
            _enabledNewestFirst = [.. enabled.OrderByDescending(e => e.Created).Select(e => e.Key)];
            _lastRefresh = _time.GetUtcNow();
        }

        return latest;
    }

    private void Adopt()
    {
        if (_pending is { } next)
        {
            _log.Write(LogLevel.Info, "key rotated: Status reports and Encrypt uses the new version", ("from", _current?.KeyUrl), ("to", next.KeyUrl), ("keyID", next.KeyIdHash));
            Volatile.Write(ref _current, next);
            _pending = null;
        }
    }

    /// <summary>"https://{vault}/keys/{name}/{version}" → version.</summary>
    private static string? VersionOf(string? kid)
    {
        if (kid is null)
        {
            return null;
        }

        int slash = kid.TrimEnd('/').LastIndexOf('/');
        return slash < 0 ? null : kid[(slash + 1)..].TrimEnd('/');
    }
}
