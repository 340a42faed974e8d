using System.Runtime.CompilerServices;
using System.Text;
using Grpc.Core;
using KmsNative.KeyVault.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.Observability;

namespace KmsNative.Backend;

/// <summary>Encrypt: locally with the key's public part while the last check allows it, else through Key Vault.</summary>
internal sealed partial class KeyVaultBackend
{
    private LocalKey? _local;
    // The modulus size from the last get-key, in a box so readers see a whole value without a lock.
    private StrongBox<PlaintextLimit>? _limitBox;
    private int _localLogged = -1;

    public ValueTask<EncryptedDek> EncryptAsync(KmsApiVersion api, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken) =>
        EncryptAsync(api, plaintext, DateTime.MaxValue, cancellationToken);

    public async ValueTask<EncryptedDek> EncryptAsync(KmsApiVersion api, ReadOnlyMemory<byte> plaintext, DateTime deadline, CancellationToken cancellationToken)
    {
        string algorithm = AlgorithmFor(api);
        // One snapshot for the whole call: the version it encrypts with is the key id it answers with.
        KeyReference key = _ring.Current ?? throw s_notResolved;
        CheckPlaintextSize(plaintext.Length, algorithm, key);
        if (Volatile.Read(ref _local) is { } local && local.Key.Version == key.Version && local.IsValidAt(_time.GetUtcNow()))
        {
            Counters.CountEncrypt(local: true);
            return EncryptLocally(local, api, algorithm, plaintext.Span);
        }

        Counters.CountEncrypt(local: false);

        KeyOperationResult result;
        try
        {
            await WaitForTurnAsync(deadline, cancellationToken).ConfigureAwait(false);
            result = await _client.EncryptAsync(key.Name, key.Version, algorithm, plaintext.Span, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsReportable(ex))
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
        return api == KmsApiVersion.V1Beta1
            ? new EncryptedDek(ciphertext, key.KeyIdHash, V2Annotations.None)
            : new EncryptedDek(ciphertext, key.KeyIdHash, V2Annotations.ForKeyVault(result));
    }

    /// <summary>
    /// Key Vault's encrypt, done here with the public key: the same ciphertext format and annotations, the date local,
    /// no request id (there was no request) and the region "local", so stored data shows where it was wrapped.
    /// </summary>
    private EncryptedDek EncryptLocally(LocalKey local, KmsApiVersion api, string algorithm, ReadOnlySpan<byte> plaintext)
    {
        byte[] ciphertext = local.Encrypt(plaintext, algorithm);
        return api == KmsApiVersion.V1Beta1
            ? new EncryptedDek(ciphertext, local.Key.KeyIdHash, V2Annotations.None)
            : new EncryptedDek(ciphertext, local.Key.KeyIdHash, V2Annotations.ForLocal(_time.GetUtcNow()));
    }

    private void CheckPlaintextSize(int length, string algorithm, KeyReference key)
    {
        PlaintextLimit? known = Volatile.Read(ref _limitBox)?.Value;
        int modulusBytes = known is { } limit && limit.Version == key.Version ? limit.ModulusBytes : PlaintextLimit.LargestModulusBytes;
        PlaintextLimit.Check(length, modulusBytes, algorithm, key.KeyUrl);
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
}
