using System.Globalization;
using Grpc.Core;
using KmsNative.KeyVault.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;

namespace KmsNative.Backend;

/// <summary>
/// What Status reports, without a Key Vault round trip per poll: the outcome of the last check (a get-key of the
/// configured version: reachable, authorized, enabled, in its validity window, allowed to encrypt and decrypt) or of
/// the last real operation. A check runs in the background at start-up, again when a healthy result is older than
/// <see cref="HealthyRecheck"/>, and at most every <see cref="UnhealthyRecheck"/> while unhealthy, so a broken vault
/// is not hammered and a fixed one is noticed within seconds. Each change of health is logged once. Thread-safe.
/// </summary>
internal sealed class KeyVaultHealth : IDisposable
{
    public static readonly TimeSpan HealthyRecheck = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan UnhealthyRecheck = TimeSpan.FromSeconds(10);

    private static readonly StatusCode[] s_healthCodes = [StatusCode.Unauthenticated, StatusCode.PermissionDenied, StatusCode.FailedPrecondition, StatusCode.Unavailable];

    private readonly KeyVaultClient _client;
    private readonly KeyReference _key;
    private readonly TimeProvider _time;
    private readonly IKmsLog _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sync = new();
    private Snapshot _current;
    private Task? _check;

    public KeyVaultHealth(KeyVaultClient client, KeyReference key, TimeProvider time, IKmsLog log)
    {
        _client = client;
        _key = key;
        _time = time;
        _log = log;
        _current = new Snapshot(false, "Key Vault not checked yet", DateTimeOffset.MinValue);
    }

    private sealed record Snapshot(bool Healthy, string Reason, DateTimeOffset At);

    /// <summary>Starts the start-up check in the background; Status answers from it once it is done.</summary>
    public void Start() => _ = CheckNowAsync();

    /// <summary>Cancels a check in flight (shutdown must not wait up to its 20 s timeout) and waits for it to end.</summary>
    public async Task StopAsync()
    {
        Task? check;
        lock (_sync)
        {
            _stopping.Cancel();
            check = _check;
        }

        if (check is not null)
        {
            await check.ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    public async ValueTask<BackendStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        Snapshot snapshot = Volatile.Read(ref _current);
        TimeSpan age = _time.GetUtcNow() - snapshot.At;
        if (age >= (snapshot.Healthy ? HealthyRecheck : UnhealthyRecheck))
        {
            await CheckNowAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            snapshot = Volatile.Read(ref _current);
        }

        return new BackendStatus(snapshot.Healthy, _key.KeyIdHash, snapshot.Healthy ? "ok" : snapshot.Reason);
    }

    /// <summary>A Key Vault operation failed: failures that say something about the vault or the key mark us unhealthy.</summary>
    public RpcException Report(RpcException error)
    {
        if (Array.IndexOf(s_healthCodes, error.StatusCode) >= 0)
        {
            Set(healthy: false, error.Status.Detail);
        }

        return error;
    }

    public void ReportSuccess() => Set(healthy: true, "ok");

    /// <summary>Runs a check now, or joins the one in flight: concurrent Status calls share it.</summary>
    public Task CheckNowAsync()
    {
        lock (_sync)
        {
            if (_stopping.IsCancellationRequested)
            {
                return _check ?? Task.CompletedTask;
            }

            if (_check is null || _check.IsCompleted)
            {
                _check = CheckAsync();
            }

            return _check;
        }
    }

    private async Task CheckAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20), _time);
        using CancellationTokenRegistration stop = _stopping.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout);
        try
        {
            KeyBundle bundle = await _client.GetKeyAsync(_key.Name, _key.Version, timeout.Token).ConfigureAwait(false);
            string? problem = Evaluate(bundle);
            Set(problem is null, problem ?? "ok");
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: the outcome of a cancelled check is not a change of health.
        }
        catch (Exception ex)
        {
            RpcException error = KeyVaultErrors.ToRpcException(ex, timeout.Token);
            string reason = error.StatusCode == StatusCode.DeadlineExceeded ? $"Key Vault did not answer a get-key of {_key.KeyUrl} within 20 s" : error.Status.Detail;
            Set(healthy: false, reason);
        }
    }

    private string? Evaluate(KeyBundle bundle)
    {
        KeyAttributes? attributes = bundle.Attributes;
        DateTimeOffset now = _time.GetUtcNow();
        if (attributes?.Enabled == false)
        {
            return $"key {_key.KeyUrl} is disabled";
        }

        if (attributes?.Expires is { } expires && DateTimeOffset.FromUnixTimeSeconds(expires) <= now)
        {
            return $"key {_key.KeyUrl} expired at {DateTimeOffset.FromUnixTimeSeconds(expires).ToString("u", CultureInfo.InvariantCulture)}";
        }

        if (attributes?.NotBefore is { } notBefore && DateTimeOffset.FromUnixTimeSeconds(notBefore) > now)
        {
            return $"key {_key.KeyUrl} is not valid before {DateTimeOffset.FromUnixTimeSeconds(notBefore).ToString("u", CultureInfo.InvariantCulture)}";
        }

        if (bundle.Key?.KeyOperations is { } operations && !(operations.Contains("encrypt") && operations.Contains("decrypt")))
        {
            return $"key {_key.KeyUrl} does not permit encrypt and decrypt (key_ops: {string.Join(',', operations)})";
        }

        if (bundle.Key?.KeyType is { } type && !type.StartsWith("RSA", StringComparison.Ordinal))
        {
            return $"key {_key.KeyUrl} is of type {type}; KMS needs an RSA key";
        }

        return null;
    }

    private void Set(bool healthy, string reason)
    {
        Snapshot previous;
        lock (_sync)
        {
            previous = _current;
            _current = new Snapshot(healthy, reason, _time.GetUtcNow());
        }

        if (previous.Healthy != healthy || (previous.At == DateTimeOffset.MinValue))
        {
            if (healthy)
            {
                _log.Write(LogLevel.Info, "Key Vault key is usable", ("key", _key.KeyUrl));
            }
            else
            {
                _log.Write(LogLevel.Error, "Key Vault key is not usable; Status reports unhealthy until this is fixed", ("key", _key.KeyUrl), ("reason", reason));
            }
        }
        else if (!healthy && previous.Reason != reason)
        {
            _log.Write(LogLevel.Error, "Key Vault key is still not usable", ("key", _key.KeyUrl), ("reason", reason));
        }
    }
}
