using Grpc.Core;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.Observability;

namespace KmsNative.Backend;

/// <summary>
/// What Status reports, from state only: it never calls Key Vault and never waits. Two inputs feed it: the last
/// background check (<see cref="KeyVaultMonitor"/>: get key, now and then a real encrypt/decrypt canary) and the
/// outcome of real calls (<see cref="ReportCall"/>) over a recent window: deadlines exceeded, throttling, outages.
/// A refusal that needs an operator (401, 403, a disabled or missing key) turns health not ok at once, until a call
/// or a check succeeds; transient trouble does once it is at least half of the window's calls. Each change of state
/// (ok, or the kind of problem) is logged once. Thread-safe.
/// </summary>
internal sealed class KeyVaultHealth
{
    public const string NotCheckedYet = "Key Vault not checked yet";

    private readonly TimeProvider _time;
    private readonly IKmsLog _log;
    private readonly string _keyName;
    private readonly TrafficWindow _traffic;
    private readonly int _failureThreshold;
    private readonly Lock _sync = new();
    private (bool Healthy, string Reason) _check = (false, NotCheckedYet);
    private string? _refusal;
    private string _loggedState = "";

    public KeyVaultHealth(TimeProvider time, IKmsLog log, string keyName, BackendSettings settings)
    {
        _time = time;
        _log = log;
        _keyName = keyName;
        _traffic = new TrafficWindow(time, settings.TrafficWindow);
        _failureThreshold = settings.TrafficFailureThreshold;
    }

    /// <summary>The outcome of the last background check: healthy, or why not.</summary>
    public void ReportCheck(bool healthy, string reason)
    {
        lock (_sync)
        {
            _check = (healthy, healthy ? "ok" : reason);
            if (healthy)
            {
                _refusal = null;
            }
        }

        Evaluate();
    }

    /// <summary>A real Encrypt or Decrypt reached Key Vault and ended so.</summary>
    public void ReportCall(KeyVaultOutcome outcome, RpcException? error)
    {
        _traffic.Record(outcome);
        if (outcome is KeyVaultOutcome.Unauthenticated or KeyVaultOutcome.PermissionDenied or KeyVaultOutcome.KeyState)
        {
            lock (_sync)
            {
                _refusal = error?.Status.Detail ?? outcome.ToString();
            }
        }
        else if (outcome == KeyVaultOutcome.Succeeded && Volatile.Read(ref _refusal) is not null)
        {
            lock (_sync)
            {
                _refusal = null;
            }
        }
        else if (outcome is KeyVaultOutcome.Succeeded or KeyVaultOutcome.Rejected)
        {
            return; // the common case: nothing that could change the state
        }

        Evaluate();
    }

    /// <summary>Healthy, or the reason Status shows instead of "ok". Never blocks on Key Vault.</summary>
    public (bool Healthy, string Reason) Evaluate()
    {
        (bool healthy, string reason, string state) = Compute();
        bool changed;
        lock (_sync)
        {
            changed = state != _loggedState;
            _loggedState = state;
        }

        if (changed)
        {
            if (healthy)
            {
                _log.Write(LogLevel.Info, "Key Vault key is usable", ("key", _keyName));
            }
            else if (reason != NotCheckedYet)
            {
                _log.Write(LogLevel.Error, "Key Vault key is not usable; Status reports this reason until it is fixed", ("key", _keyName), ("reason", reason));
            }
        }

        return (healthy, reason);
    }

    private (bool Healthy, string Reason, string State) Compute()
    {
        (bool Healthy, string Reason) check;
        string? refusal;
        lock (_sync)
        {
            check = _check;
            refusal = _refusal;
        }

        if (!check.Healthy)
        {
            return (false, check.Reason, "check: " + check.Reason);
        }

        if (refusal is not null)
        {
            return (false, refusal, "refused: " + refusal);
        }

        TrafficSummary traffic = _traffic.Summarize();
        if (traffic.Failures >= _failureThreshold && traffic.Failures * 2 >= traffic.Total)
        {
            return (false, traffic.Describe(_traffic.Length), "traffic: " + traffic.DominantFailure);
        }

        return (true, "ok", "ok");
    }

    /// <summary>How a failed call is classified: from the Key Vault status when there is one, else from the gRPC code.</summary>
    public static KeyVaultOutcome Classify(RpcException error, int keyVaultStatus) => keyVaultStatus == 429
        ? KeyVaultOutcome.Throttled
        : error.StatusCode switch
        {
            StatusCode.DeadlineExceeded or StatusCode.Cancelled => KeyVaultOutcome.DeadlineExceeded,
            StatusCode.Unavailable => KeyVaultOutcome.Unavailable,
            StatusCode.Unauthenticated => KeyVaultOutcome.Unauthenticated,
            StatusCode.PermissionDenied => KeyVaultOutcome.PermissionDenied,
            StatusCode.FailedPrecondition => KeyVaultOutcome.KeyState,
            StatusCode.InvalidArgument => KeyVaultOutcome.Rejected,
            _ => KeyVaultOutcome.Failed,
        };

    /// <summary>For Status: the state as <see cref="BackendStatus"/> with the key id it reports.</summary>
    public BackendStatus ToStatus(string keyId)
    {
        (bool healthy, string reason) = Evaluate();
        return new BackendStatus(healthy, keyId, reason);
    }

    internal DateTimeOffset Now => _time.GetUtcNow();
}
