using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Grpc.Core;
using KmsNative.KeyVault.Client;
using KmsNative.Kms.Observability;

namespace KmsNative.Backend;

/// <summary>The background checks <see cref="KeyVaultMonitor"/> runs: get key, list versions, and the canary.</summary>
internal sealed partial class KeyVaultBackend
{
    /// <summary>
    /// One background check: get key (reachable, authorized, enabled, in its validity window, allowed to encrypt and
    /// decrypt), and with <paramref name="canary"/> a real encrypt + decrypt of a random DEK through Key Vault. Without
    /// get permission (the Go plugin never needed it) the canary alone decides. Reports to health; returns its verdict.
    /// </summary>
    private async Task<bool> CheckAsync(bool canary, CancellationToken cancellationToken)
    {
        _ring.AdoptStale(_settings.CheckInterval);
        KeyReference? key = _ring.Current;
        // The checks wait for their turn like any call, within the check's timeout (the monitor's token).
        DateTime deadline = _time.GetUtcNow().UtcDateTime + _settings.CheckTimeout;
        string? problem;
        try
        {
            if (!_ring.IsPinned)
            {
                // Versionless: the latest enabled version, valid now. A failure here proposes nothing.
                await WaitForTurnAsync(deadline, cancellationToken).ConfigureAwait(false);
                KeyReference? latest = _ring.SetVersions(await _client.ListKeyVersionsAsync(_key.Name, cancellationToken).ConfigureAwait(false));
                Counters.CountCall(KeyVaultOperation.ListVersions, KeyVaultOutcome.Succeeded);
                if (latest is null)
                {
                    _health.ReportCheck(false, $"key {_key.KeyUrl.TrimEnd('/')} has no enabled version that is valid now");
                    return false;
                }

                key = latest;
            }

            await WaitForTurnAsync(deadline, cancellationToken).ConfigureAwait(false);
            KeyBundle bundle = await _client.GetKeyAsync(key!.Name, key.Version, cancellationToken).ConfigureAwait(false);
            Counters.CountCall(KeyVaultOperation.GetKey, KeyVaultOutcome.Succeeded);
            problem = KeyCheck.Evaluate(bundle, key.KeyUrl, _time.GetUtcNow());
            if (PlaintextLimit.From(key.Version, bundle) is { } limit)
            {
                Volatile.Write(ref _limitBox, new StrongBox<PlaintextLimit>(limit));
            }

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
            problem = await CanaryAsync(key, deadline, cancellationToken).ConfigureAwait(false);
        }

        _health.ReportCheck(problem is null, problem ?? "ok");
        return problem is null;
    }

    private async Task<string?> CanaryAsync(KeyReference key, DateTime deadline, CancellationToken cancellationToken)
    {
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        try
        {
            await WaitForTurnAsync(deadline, cancellationToken).ConfigureAwait(false);
            KeyOperationResult wrapped = await _client.EncryptAsync(key.Name, key.Version, KeyVaultAlgorithm.RsaOaep256, dek, cancellationToken).ConfigureAwait(false);
            await WaitForTurnAsync(deadline, cancellationToken).ConfigureAwait(false);
            KeyOperationResult unwrapped = await _client.DecryptAsync(key.Name, key.Version, KeyVaultAlgorithm.RsaOaep256, wrapped.Value, cancellationToken).ConfigureAwait(false);
            if (!Base64UrlCodec.TryDecode(unwrapped.Value, out byte[] plaintext) || !CryptographicOperations.FixedTimeEquals(plaintext, dek))
            {
                return $"canary: Key Vault decrypted a test DEK of key {key.KeyUrl} to something else";
            }

            CryptographicOperations.ZeroMemory(plaintext);
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested || ex is not OperationCanceledException)
        {
            return CheckFailure(ex, "canary encrypt/decrypt", cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
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
}
