using System.Text;
using Google.Protobuf;
using Grpc.Core;
using KmsNative.KeyVault.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;

namespace KmsNative.Backend;

/// <summary>
/// KMS semantics of Azure/kubernetes-kms over our Key Vault client, byte for byte where stored data depends on it:
/// v1beta1 uses RSA1_5 and v2 RSA-OAEP-256; the ciphertext is the ASCII of Key Vault's unpadded base64url result;
/// v2 responses carry the key id hash and the five *.azure.akv.io annotations, and v2 Decrypt checks them first.
/// Status never calls Key Vault (the Go plugin encrypts and decrypts on every poll): it reports
/// <see cref="KeyVaultHealth"/>, fed by the background <see cref="KeyVaultMonitor"/> and by the outcome of real calls.
/// </summary>
internal sealed class KeyVaultBackend : IKmsBackend, IDisposable
{
    public const string AlgorithmAnnotation = "algorithm.azure.akv.io";
    public const string VersionAnnotation = "version.azure.akv.io";
    public const string DateAnnotation = "date.azure.akv.io";
    public const string RequestIdAnnotation = "x-ms-request-id.azure.akv.io";
    public const string RegionAnnotation = "x-ms-keyvault-region.azure.akv.io";
    public const string EncryptionResponseVersion = "1";

    private readonly KeyVaultClient _client;
    private readonly KeyReference _key;
    private readonly KeyRing _ring;
    private readonly BackendSettings _settings;
    private readonly KeyVaultHealth _health;
    private readonly KeyVaultMonitor _monitor;
    private readonly TimeProvider _time;
    private readonly DekCache _cache;
    private readonly Dictionary<DekCacheKey, InflightDecrypt> _inflight = [];
    private readonly IKmsLog _log;
    private LocalKey? _local;
    private int _localLogged = -1;

    public KeyVaultBackend(KeyVaultClient client, KeyReference key, TimeProvider time, IKmsLog log, BackendSettings? settings = null)
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
        Counters = new BackendCounters(_cache, _ring);
    }

    public string DeadlineDetail => $"its calls wait for Key Vault key {_key.KeyUrl}";

    internal KeyVaultHealth Health => _health;

    internal KeyVaultMonitor Monitor => _monitor;

    internal DekCache Cache => _cache;

    internal KeyRing Ring => _ring;

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

    public async ValueTask<EncryptedDek> EncryptAsync(KmsApiVersion api, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        string algorithm = AlgorithmFor(api);
        // One snapshot for the whole call: the version it encrypts with is the key id it answers with.
        KeyReference key = _ring.Current ?? throw s_notResolved;
        if (Volatile.Read(ref _local) is { } local && local.Key.Version == key.Version && local.IsValidAt(_time.GetUtcNow()))
        {
            Counters.CountEncrypt(local: true);
            return EncryptLocally(local, api, algorithm, plaintext.Span);
        }

        Counters.CountEncrypt(local: false);

        KeyOperationResult result;
        try
        {
            result = await _client.EncryptAsync(key.Name, key.Version, algorithm, plaintext.Span, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ReportFailure(KeyVaultOperation.Encrypt, ex, cancellationToken);
        }

        // The Go plugin refuses a result from another key than the flags name: data would be stored under a
        // key_id that does not describe it.
        string resultHash = KeyReference.Hash(result.KeyId);
        if (resultHash != key.KeyIdHash)
        {
            var mismatch = new RpcException(new Status(StatusCode.FailedPrecondition,
                $"key id initialized does not match with the key id from encryption result, expected: {key.KeyIdHash}, got: {resultHash} (Key Vault answered for {result.KeyId}, the flags name {key.KeyUrl})"));
            _health.ReportCall(KeyVaultOutcome.KeyState, mismatch);
            Counters.CountCall(KeyVaultOperation.Encrypt, KeyVaultOutcome.KeyState);
            throw mismatch;
        }

        _health.ReportCall(KeyVaultOutcome.Succeeded, null);
        Counters.CountCall(KeyVaultOperation.Encrypt, KeyVaultOutcome.Succeeded);
        byte[] ciphertext = Encoding.ASCII.GetBytes(result.Value);
        if (api == KmsApiVersion.V1Beta1)
        {
            return new EncryptedDek(ciphertext, key.KeyIdHash, s_noAnnotations);
        }

        var annotations = new Dictionary<string, byte[]>(5, StringComparer.Ordinal)
        {
            [DateAnnotation] = Encoding.UTF8.GetBytes(result.Date ?? ""),
            [RequestIdAnnotation] = Encoding.UTF8.GetBytes(result.RequestId ?? ""),
            [RegionAnnotation] = Encoding.UTF8.GetBytes(result.Region ?? ""),
            [VersionAnnotation] = Encoding.UTF8.GetBytes(EncryptionResponseVersion),
            [AlgorithmAnnotation] = Encoding.UTF8.GetBytes(KeyVaultAlgorithm.RsaOaep256),
        };
        return new EncryptedDek(ciphertext, key.KeyIdHash, annotations);
    }

    /// <summary>
    /// Key Vault's encrypt, done here with the public key: the same ciphertext format and annotations, the date local,
    /// no request id (there was no request) and the region "local", so stored data shows where it was wrapped.
    /// </summary>
    private static EncryptedDek EncryptLocally(LocalKey local, KmsApiVersion api, string algorithm, ReadOnlySpan<byte> plaintext)
    {
        byte[] ciphertext = local.Encrypt(plaintext, algorithm);
        if (api == KmsApiVersion.V1Beta1)
        {
            return new EncryptedDek(ciphertext, local.Key.KeyIdHash, s_noAnnotations);
        }

        var annotations = new Dictionary<string, byte[]>(5, StringComparer.Ordinal)
        {
            [DateAnnotation] = Encoding.UTF8.GetBytes(DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture)),
            [RequestIdAnnotation] = [],
            [RegionAnnotation] = "local"u8.ToArray(),
            [VersionAnnotation] = Encoding.UTF8.GetBytes(EncryptionResponseVersion),
            [AlgorithmAnnotation] = Encoding.UTF8.GetBytes(KeyVaultAlgorithm.RsaOaep256),
        };
        return new EncryptedDek(ciphertext, local.Key.KeyIdHash, annotations);
    }

    private void SetLocalKey(LocalKey? local)
    {
        Volatile.Write(ref _local, local);
        int active = local is null ? 0 : 1;
        if (_settings.LocalEncrypt && Interlocked.Exchange(ref _localLogged, active) != active)
        {
            _log.Write(LogLevel.Info, local is null ? "Encrypt calls Key Vault: the last get-key does not allow local encryption" : "Encrypt runs locally",
                ("key", local?.Key.KeyUrl ?? _key.KeyUrl));
        }
    }

    /// <summary>
    /// A cache hit answers at once (no Key Vault call, no wait on anything); concurrent misses for one ciphertext share
    /// one Key Vault call; only successes are cached.
    /// </summary>
    /// <para>
    /// Every version of the configured key decrypts. v2 names the version by its key id (an unknown one refreshes the
    /// version list, at most once a minute). v1 has no key id: the current version first, then, only after Key Vault
    /// refused the ciphertext, the other enabled versions newest first, whose answer counts only when it is a plausible
    /// DEK (<see cref="IsPlausibleDek"/>), so RSA1_5's chance success with a wrong key is not returned as a plaintext.
    /// </para>
    public async ValueTask<byte[]> DecryptAsync(KmsApiVersion api, DecryptInput input, CancellationToken cancellationToken)
    {
        KeyReference? key = null;
        if (api == KmsApiVersion.V2)
        {
            if (input.Annotations.Count == 0)
            {
                throw Invalid("invalid annotations, annotations cannot be empty");
            }

            if (!_ring.TryFind(input.KeyId, out key))
            {
                key = await FindAfterRefreshAsync(input.KeyId, cancellationToken).ConfigureAwait(false);
            }

            ValidateV2Annotations(input);
        }

        if (!IsBase64UrlText(input.Ciphertext.Span))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                "ciphertext is not the unpadded base64url text Key Vault produces; it was not written by this plugin or by Azure/kubernetes-kms"));
        }

        string algorithm = AlgorithmFor(api);
        key ??= _ring.Current ?? throw s_notResolved;
        var cacheKey = DekCacheKey.Compute(key.Version, algorithm, input.Ciphertext.Span);
        if (_cache.TryCopy(cacheKey, out byte[]? cached))
        {
            return cached!;
        }

        if (api == KmsApiVersion.V2)
        {
            return await DecryptSharedAsync(cacheKey, key, algorithm, input.Ciphertext, cancellationToken).ConfigureAwait(false);
        }

        return await DecryptV1Async(cacheKey, key, input.Ciphertext, cancellationToken).ConfigureAwait(false);
    }

    private async Task<KeyReference> FindAfterRefreshAsync(string keyId, CancellationToken cancellationToken)
    {
        if (_ring.TryStartRefresh())
        {
            await RefreshVersionsAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_ring.TryFind(keyId, out KeyReference key))
        {
            return key;
        }

        // The Go plugin's message, naming the key id Status reports.
        throw Invalid($"key id {keyId} does not match expected key id {_ring.Current?.KeyIdHash ?? ""} used for encryption");
    }

    /// <summary>List versions for Decrypt; a failure leaves the known versions as they were (it is not a rotation).</summary>
    private async Task RefreshVersionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            _ring.SetVersions(await _client.ListKeyVersionsAsync(_key.Name, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // No list permission or a failing vault: Decrypt goes on with the versions it knows.
        }
    }

    private async Task<byte[]> DecryptV1Async(DekCacheKey cacheKey, KeyReference current, ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken)
    {
        // A DEK an older version unwrapped earlier is in the cache under that version.
        foreach (KeyReference other in _ring.OthersNewestFirst(current))
        {
            if (_cache.TryCopy(DekCacheKey.Compute(other.Version, KeyVaultAlgorithm.Rsa15, ciphertext.Span), out byte[]? cached))
            {
                return cached!;
            }
        }

        try
        {
            return await DecryptSharedAsync(cacheKey, current, KeyVaultAlgorithm.Rsa15, ciphertext, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException refused) when (refused.StatusCode == StatusCode.InvalidArgument)
        {
            if (_ring.TryStartRefresh())
            {
                await RefreshVersionsAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (KeyReference other in _ring.OthersNewestFirst(current))
            {
                byte[] plaintext;
                try
                {
                    plaintext = await DecryptRemoteAsync(other, KeyVaultAlgorithm.Rsa15, ciphertext, cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
                {
                    continue;
                }

                if (IsPlausibleDek(plaintext))
                {
                    _cache.Add(DekCacheKey.Compute(other.Version, KeyVaultAlgorithm.Rsa15, ciphertext.Span), plaintext);
                    return plaintext;
                }

                System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
            }

            throw;
        }
    }

    /// <summary>
    /// kube-apiserver's KMS v1 DEKs are AES-256 keys: exactly 32 bytes. A PKCS#1 v1.5 unwrap with the wrong key passes
    /// the padding check with probability about 2^-16 and then yields a 32-byte message with about 2^-8 × 0.4 more
    /// (docs/rotation.md), so a wrong plaintext from an older version is returned at most about once in 10^7 tries.
    /// </summary>
    internal static bool IsPlausibleDek(ReadOnlySpan<byte> plaintext) => plaintext.Length == 32;

    /// <summary>
    /// The first caller for a key (the leader) calls Key Vault under its own deadline; callers that arrive meanwhile
    /// wait for that call under theirs. The leader removes the flight before completing it, so no one joins a finished
    /// flight; each caller copies the shared plaintext and the last one out zeroes it. A follower whose own deadline
    /// is still running when the leader's expired tries again rather than fail with the leader's deadline.
    /// </summary>
    private async Task<byte[]> DecryptSharedAsync(DekCacheKey key, KeyReference version, string algorithm, ReadOnlyMemory<byte> ciphertext, CancellationToken cancellationToken)
    {
        while (true)
        {
            InflightDecrypt? flight;
            bool leader = false;
            lock (_inflight)
            {
                if (_inflight.TryGetValue(key, out flight))
                {
                    flight.Waiters++;
                }
                else
                {
                    flight = new InflightDecrypt();
                    _inflight.Add(key, flight);
                    leader = true;
                }
            }

            if (leader)
            {
                try
                {
                    byte[] plaintext = await DecryptRemoteAsync(version, algorithm, ciphertext, cancellationToken).ConfigureAwait(false);
                    _cache.Add(key, plaintext);
                    Complete(key, flight, plaintext, null);
                }
                catch (Exception ex)
                {
                    Complete(key, flight, null, ex);
                }
            }

            try
            {
                byte[] shared = await flight.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                return shared.AsSpan().ToArray(); // the caller's own array: it zeroes it once the response is sent
            }
            catch (RpcException ex) when (!leader && ex.StatusCode == StatusCode.DeadlineExceeded && !cancellationToken.IsCancellationRequested)
            {
                // The leader's deadline ended the shared call; ours has not: try again.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, "the call's deadline expired while waiting for Key Vault"));
            }
            finally
            {
                flight.Release();
            }
        }
    }

    private void Complete(DekCacheKey key, InflightDecrypt flight, byte[]? plaintext, Exception? error)
    {
        lock (_inflight)
        {
            _inflight.Remove(key);
        }

        if (plaintext is not null)
        {
            flight.Result.SetResult(plaintext);
        }
        else
        {
            flight.Result.SetException(error!);
        }
    }

    private async Task<byte[]> DecryptRemoteAsync(KeyReference key, string algorithm, ReadOnlyMemory<byte> ciphertextBytes, CancellationToken cancellationToken)
    {
        string ciphertext = Encoding.ASCII.GetString(ciphertextBytes.Span);
        KeyOperationResult result;
        try
        {
            result = await _client.DecryptAsync(key.Name, key.Version, algorithm, ciphertext, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            // A bad ciphertext (InvalidArgument) is classified Rejected: it says nothing about the vault's health.
            throw ReportFailure(KeyVaultOperation.Decrypt, ex, cancellationToken);
        }

        _health.ReportCall(KeyVaultOutcome.Succeeded, null);
        Counters.CountCall(KeyVaultOperation.Decrypt, KeyVaultOutcome.Succeeded);
        if (!Base64UrlCodec.TryDecode(result.Value, out byte[] plaintext))
        {
            throw new RpcException(new Status(StatusCode.Internal, "failed to base64 decode result: Key Vault's decrypt value is not unpadded base64url"));
        }

        return plaintext;
    }

    /// <summary>One Key Vault decrypt shared by every caller that missed the cache for the same key meanwhile.</summary>
    private sealed class InflightDecrypt
    {
        public readonly TaskCompletionSource<byte[]> Result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Joined under the flight table's lock while the flight is in it; the leader holds one until it completed.
        public int Waiters = 1;

        public void Release()
        {
            if (Interlocked.Decrement(ref Waiters) == 0 && Result.Task.IsCompletedSuccessfully)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(Result.Task.Result);
            }
        }
    }

    private RpcException ReportFailure(KeyVaultOperation operation, Exception exception, CancellationToken cancellationToken)
    {
        RpcException error = KeyVaultErrors.ToRpcException(exception, cancellationToken);
        KeyVaultOutcome outcome = KeyVaultHealth.Classify(error, (exception as KeyVaultException)?.Status ?? -1);
        _health.ReportCall(outcome, error);
        Counters.CountCall(operation, outcome);
        return error;
    }

    /// <summary>
    /// One background check: get key (reachable, authorized, enabled, in its validity window, allowed to encrypt and
    /// decrypt), and with <paramref name="canary"/> a real encrypt + decrypt of a random DEK through Key Vault. Without
    /// get permission (the Go plugin never needed it) the canary alone decides. Reports to health; returns its verdict.
    /// </summary>
    private async Task<bool> CheckAsync(bool canary, CancellationToken cancellationToken)
    {
        _ring.AdoptStale(_settings.CheckInterval);
        KeyReference? key = _ring.Current;
        string? problem;
        try
        {
            if (!_ring.IsPinned)
            {
                // Versionless: the latest enabled version, valid now. A failure here proposes nothing.
                KeyReference? latest = _ring.SetVersions(await _client.ListKeyVersionsAsync(_key.Name, cancellationToken).ConfigureAwait(false));
                Counters.CountCall(KeyVaultOperation.ListVersions, KeyVaultOutcome.Succeeded);
                if (latest is null)
                {
                    _health.ReportCheck(false, $"key {_key.KeyUrl.TrimEnd('/')} has no enabled version that is valid now");
                    return false;
                }

                key = latest;
            }

            KeyBundle bundle = await _client.GetKeyAsync(key!.Name, key.Version, cancellationToken).ConfigureAwait(false);
            Counters.CountCall(KeyVaultOperation.GetKey, KeyVaultOutcome.Succeeded);
            problem = KeyCheck.Evaluate(bundle, key.KeyUrl, _time.GetUtcNow());
            SetLocalKey(problem is null && _settings.LocalEncrypt ? LocalKey.From(key, bundle) : null);
            if (problem is null && !_ring.IsPinned)
            {
                _ring.Propose(key);
            }
        }
        catch (KeyVaultException ex) when (ex.Status == 403 && KeyVaultErrors.Classify(ex) == StatusCode.PermissionDenied)
        {
            problem = null;
            canary = true;
            SetLocalKey(null); // no get permission: no public key, so Key Vault encrypts
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested || ex is not OperationCanceledException)
        {
            problem = CheckFailure(ex, "get-key or list versions", cancellationToken);
        }

        if (problem is null && canary && key is not null)
        {
            problem = await CanaryAsync(key, cancellationToken).ConfigureAwait(false);
        }

        _health.ReportCheck(problem is null, problem ?? "ok");
        return problem is null;
    }

    private async Task<string?> CanaryAsync(KeyReference key, CancellationToken cancellationToken)
    {
        byte[] dek = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        try
        {
            KeyOperationResult wrapped = await _client.EncryptAsync(key.Name, key.Version, KeyVaultAlgorithm.RsaOaep256, dek, cancellationToken).ConfigureAwait(false);
            KeyOperationResult unwrapped = await _client.DecryptAsync(key.Name, key.Version, KeyVaultAlgorithm.RsaOaep256, wrapped.Value, cancellationToken).ConfigureAwait(false);
            if (!Base64UrlCodec.TryDecode(unwrapped.Value, out byte[] plaintext) || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(plaintext, dek))
            {
                return $"canary: Key Vault decrypted a test DEK of key {key.KeyUrl} to something else";
            }

            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested || ex is not OperationCanceledException)
        {
            return CheckFailure(ex, "canary encrypt/decrypt", cancellationToken);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(dek);
        }
    }

    private string CheckFailure(Exception exception, string what, CancellationToken cancellationToken)
    {
        RpcException error = KeyVaultErrors.ToRpcException(exception, cancellationToken);
        Counters.CountCall(what.StartsWith("canary", StringComparison.Ordinal) ? KeyVaultOperation.Encrypt : KeyVaultOperation.GetKey,
            KeyVaultHealth.Classify(error, (exception as KeyVaultException)?.Status ?? -1));
        return error.StatusCode == StatusCode.DeadlineExceeded
            ? $"Key Vault did not answer a {what} of {_key.KeyUrl} within the check's timeout"
            : error.Status.Detail;
    }

    /// <summary>
    /// Azure/kubernetes-kms's checks after empty annotations and the key id, in its order and with its messages, so
    /// operators' runbooks still match.
    /// </summary>
    private static void ValidateV2Annotations(DecryptInput input)
    {
        string algorithm = AnnotationText(input, AlgorithmAnnotation);
        if (algorithm != KeyVaultAlgorithm.RsaOaep256)
        {
            throw Invalid($"algorithm {algorithm} does not match expected algorithm {KeyVaultAlgorithm.RsaOaep256} used for encryption");
        }

        string version = AnnotationText(input, VersionAnnotation);
        if (version != EncryptionResponseVersion)
        {
            throw Invalid($"version {version} does not match expected version {EncryptionResponseVersion} used for encryption");
        }
    }

    private static string AnnotationText(DecryptInput input, string key) =>
        input.Annotations.TryGetValue(key, out ByteString? value) ? value.ToStringUtf8() : "";

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static string AlgorithmFor(KmsApiVersion api) => api == KmsApiVersion.V1Beta1 ? KeyVaultAlgorithm.Rsa15 : KeyVaultAlgorithm.RsaOaep256;

    private static bool IsBase64UrlText(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
        {
            if (!(b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_'))
            {
                return false;
            }
        }

        return true;
    }

    private static readonly Dictionary<string, byte[]> s_noAnnotations = [];

    private static readonly RpcException s_notResolved = new(new Status(StatusCode.Unavailable,
        "the latest enabled version of the key is not known yet: the first check of Key Vault has not succeeded (Status says why)"));
}
