namespace KmsNative.Kms.Observability;

/// <summary>
/// Key Vault HTTP requests by operation and outcome, one count per attempt (retries count again), plus their
/// duration. Filled by whatever sends the requests (today an Azure.Core pipeline policy the executable installs in the
/// Key Vault client); this type knows nothing about Azure. Thread-safe and allocation-free.
/// </summary>
internal sealed class KeyVaultRequestMetrics
{
    public const string CountName = "kmsnative_keyvault_requests_total";
    public const string DurationName = "kmsnative_keyvault_request_duration_seconds";

    public static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly long[,] _counts = new long[(int)KeyVaultOperation.Count, (int)KeyVaultOutcome.Count];
    private readonly Histogram[] _durations;

    public KeyVaultRequestMetrics()
    {
        _durations = new Histogram[(int)KeyVaultOperation.Count];
        for (int i = 0; i < _durations.Length; i++)
        {
            _durations[i] = new Histogram(Buckets);
        }
    }

    public static string Label(KeyVaultOperation operation) => operation switch
    {
        KeyVaultOperation.Encrypt => "encrypt",
        KeyVaultOperation.Decrypt => "decrypt",
        KeyVaultOperation.GetKey => "get_key",
        KeyVaultOperation.ListVersions => "list_versions",
        _ => "other",
    };

    /// <summary>The exposition's outcome labels, in the order they are written (docs/operations.md).</summary>
    public static readonly string[] OutcomeLabels = ["success", "throttled", "auth_error", "client_error", "server_error", "transport_error", "cancelled"];

    /// <summary>Several outcomes share a label: the exposition keeps the coarse classes it has always had.</summary>
    public static string Label(KeyVaultOutcome outcome) => outcome switch
    {
        KeyVaultOutcome.Succeeded => "success",
        KeyVaultOutcome.Throttled => "throttled",
        KeyVaultOutcome.Unauthenticated or KeyVaultOutcome.PermissionDenied => "auth_error",
        KeyVaultOutcome.Unavailable => "server_error",
        KeyVaultOutcome.NoResponse => "transport_error",
        KeyVaultOutcome.DeadlineExceeded => "cancelled",
        _ => "client_error",
    };

    /// <summary>Maps one HTTP attempt's status (0 = no response) to an outcome.</summary>
    public static KeyVaultOutcome Classify(int httpStatus) => httpStatus switch
    {
        0 => KeyVaultOutcome.NoResponse,
        >= 200 and < 300 => KeyVaultOutcome.Succeeded,
        429 => KeyVaultOutcome.Throttled,
        401 => KeyVaultOutcome.Unauthenticated,
        403 => KeyVaultOutcome.PermissionDenied,
        404 or 409 => KeyVaultOutcome.KeyState,
        >= 500 => KeyVaultOutcome.Unavailable,
        _ => KeyVaultOutcome.Rejected,
    };

    public void Record(KeyVaultOperation operation, KeyVaultOutcome outcome, long elapsedTicks)
    {
        Interlocked.Increment(ref _counts[(int)operation, (int)outcome]);
        _durations[(int)operation].Observe(elapsedTicks);
    }

    public long Count(KeyVaultOperation operation, KeyVaultOutcome outcome) => Volatile.Read(ref _counts[(int)operation, (int)outcome]);

    /// <summary>The attempts whose outcome is written with <paramref name="label"/>.</summary>
    public long Count(KeyVaultOperation operation, string label)
    {
        long sum = 0;
        for (var outcome = (KeyVaultOutcome)0; outcome < KeyVaultOutcome.Count; outcome++)
        {
            if (Label(outcome) == label)
            {
                sum += Count(operation, outcome);
            }
        }

        return sum;
    }

    public Histogram Duration(KeyVaultOperation operation) => _durations[(int)operation];
}
