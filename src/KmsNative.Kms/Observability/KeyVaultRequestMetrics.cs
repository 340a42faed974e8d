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
        _ => "other",
    };

    public static string Label(KeyVaultOutcome outcome) => outcome switch
    {
        KeyVaultOutcome.Success => "success",
        KeyVaultOutcome.Throttled => "throttled",
        KeyVaultOutcome.AuthError => "auth_error",
        KeyVaultOutcome.ClientError => "client_error",
        KeyVaultOutcome.ServerError => "server_error",
        KeyVaultOutcome.TransportError => "transport_error",
        _ => "cancelled",
    };

    /// <summary>Maps an HTTP status (0 = no response) to an outcome.</summary>
    public static KeyVaultOutcome Classify(int httpStatus) => httpStatus switch
    {
        0 => KeyVaultOutcome.TransportError,
        >= 200 and < 300 => KeyVaultOutcome.Success,
        429 => KeyVaultOutcome.Throttled,
        401 or 403 => KeyVaultOutcome.AuthError,
        >= 500 => KeyVaultOutcome.ServerError,
        _ => KeyVaultOutcome.ClientError,
    };

    public void Record(KeyVaultOperation operation, KeyVaultOutcome outcome, long elapsedTicks)
    {
        Interlocked.Increment(ref _counts[(int)operation, (int)outcome]);
        _durations[(int)operation].Observe(elapsedTicks);
    }

    public long Count(KeyVaultOperation operation, KeyVaultOutcome outcome) => Volatile.Read(ref _counts[(int)operation, (int)outcome]);

    public Histogram Duration(KeyVaultOperation operation) => _durations[(int)operation];
}
