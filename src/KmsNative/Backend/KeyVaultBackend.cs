using Grpc.Core;
using KmsNative.KeyVault.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.Observability;

namespace KmsNative.Backend;

/// <summary>
/// KMS semantics of Azure/kubernetes-kms over our Key Vault client, byte for byte where stored data depends on it:
/// v1beta1 uses RSA1_5 and v2 RSA-OAEP-256; the ciphertext is the ASCII of Key Vault's unpadded base64url result;
/// v2 responses carry the key id hash and the five *.azure.akv.io annotations (<see cref="V2Annotations"/>), and v2
/// Decrypt checks them first. Status never calls Key Vault (the Go plugin encrypts and decrypts on every poll): it
/// reports <see cref="KeyVaultHealth"/>, fed by the background <see cref="KeyVaultMonitor"/> and by the outcome of
/// real calls. Split by concern: Encrypt, Decrypt and the background checks each have their own file.
/// </summary>
internal sealed partial class KeyVaultBackend : IKmsBackend, IDisposable
{
    private readonly KeyVaultClient _client;
    private readonly KeyReference _key;
    private readonly KeyRing _ring;
    private readonly BackendSettings _settings;
    private readonly KeyVaultHealth _health;
    private readonly KeyVaultMonitor _monitor;
    private readonly TimeProvider _time;
    private readonly DekCache _cache;
    private readonly DecryptFlights _flights = new();
    private readonly IKmsLog _log;
    private readonly KeyVaultRateLimiter? _limiter;

    /// <param name="limiter">
    /// Shared with the client's 429 signal (<see cref="KeyVaultClientOptions.Throttled"/>); null makes one from
    /// <see cref="BackendSettings.KeyVaultRateLimit"/> that no 429 slows (tests), or none when that is 0.
    /// </param>
    public KeyVaultBackend(KeyVaultClient client, KeyReference key, TimeProvider time, IKmsLog log, BackendSettings? settings = null, KeyVaultRateLimiter? limiter = null)
    {
        settings ??= new BackendSettings();
        _client = client;
        _key = key;
        _settings = settings;
        _log = log;
        _ring = new KeyRing(key, time, log);
        _time = time;
        _health = new KeyVaultHealth(time, log, key.KeyUrl, settings);
        _monitor = new KeyVaultMonitor(time, settings, CheckAsync);
        _cache = new DekCache(settings.DekCacheSize, settings.DekCacheTtl, time);
        _limiter = limiter ?? (settings.KeyVaultRateLimit > 0 ? new KeyVaultRateLimiter(settings.KeyVaultRateLimit, time) : null);
        Counters = new BackendCounters(_cache, _ring);
    }

    public string DeadlineDetail => $"its calls wait for Key Vault key {_key.KeyUrl}";

    internal KeyVaultHealth Health => _health;

    internal KeyVaultMonitor Monitor => _monitor;

    internal DekCache Cache => _cache;

    internal KeyRing Ring => _ring;

    internal KeyVaultRateLimiter? Limiter => _limiter;

    /// <summary>For the metrics endpoint.</summary>
    public BackendCounters Counters { get; }

    /// <summary>Starts the background checks; the first runs at once.</summary>
    public void Start()
    {
        _log.Write(LogLevel.Info, _settings.LocalEncrypt
            ? "Encrypt runs locally with the key's public part once a get-key shows the key enabled, valid and allowing encrypt; Key Vault otherwise"
            : "Encrypt calls Key Vault (--local-encrypt=false)", ("key", _key.KeyUrl));
        _monitor.Start();
    }

    /// <summary>Cancels a check in flight (shutdown must not wait for its timeout) and the loop, and waits for them.</summary>
    public async ValueTask StopAsync()
    {
        await _monitor.StopAsync().ConfigureAwait(false);
        Dispose();
    }

    /// <summary>Zeroes every cached DEK.</summary>
    public void Dispose()
    {
        _monitor.Dispose();
        _cache.Dispose();
    }

    /// <summary>
    /// From state only, never a Key Vault call; synchronous once the first background check has finished, and until
    /// then it waits for that check (see <see cref="KeyVaultMonitor.FirstCheck"/>).
    /// </summary>
    public ValueTask<BackendStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        _monitor.FirstCheck.IsCompleted ? ValueTask.FromResult(CurrentStatus()) : AfterFirstCheckAsync(cancellationToken);

    private BackendStatus CurrentStatus() => _health.ToStatus(_ring.CurrentForStatus()?.KeyIdHash ?? "");

    // Only until the first background check has an outcome (bounded by its timeout): a Status whose own deadline
    // comes first gets today's state, "not checked yet", rather than an error.
    private async ValueTask<BackendStatus> AfterFirstCheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _monitor.FirstCheck.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return CurrentStatus();
    }

    /// <summary>
    /// Every Key Vault call waits here for its turn under the rate limit (cache hits and local encrypts never get this
    /// far). Synchronous and allocation-free when a slot is free or there is no limit.
    /// </summary>
    private ValueTask WaitForTurnAsync(DateTime deadline, CancellationToken cancellationToken) =>
        _limiter?.AcquireAsync(deadline, cancellationToken) ?? ValueTask.CompletedTask;

    // A call's own failures, including a refused turn (KeyVaultRateLimitedException, UNAVAILABLE), are reported;
    // an RpcException the backend itself raised earlier is passed through as it is.
    private static bool IsReportable(Exception exception) => exception is not RpcException or KeyVaultRateLimitedException;

    private RpcException ReportFailure(KeyVaultOperation operation, Exception exception, CancellationToken cancellationToken)
    {
        RpcException error = KeyVaultErrors.ToRpcException(exception, cancellationToken);
        KeyVaultOutcome outcome = KeyVaultHealth.Classify(error, (exception as KeyVaultException)?.Status ?? -1);
        _health.ReportCall(outcome, error);
        Counters.CountCall(operation, outcome);
        return error;
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static string AlgorithmFor(KmsApiVersion api) => api == KmsApiVersion.V1Beta1 ? KeyVaultAlgorithm.Rsa15 : KeyVaultAlgorithm.RsaOaep256;

    private static readonly RpcException s_notResolved = new(new Status(StatusCode.Unavailable,
        "the latest enabled version of the key is not known yet: the first check of Key Vault has not succeeded (Status says why)"));
}
