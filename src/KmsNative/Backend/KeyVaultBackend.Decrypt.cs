using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using KmsNative.KeyVault.Client;
using KmsNative.Kms;
using KmsNative.Kms.Observability;

namespace KmsNative.Backend;

/// <summary>Decrypt: the DEK cache first, then one shared Key Vault call per ciphertext, over every version of the key.</summary>
internal sealed partial class KeyVaultBackend
{
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
    public ValueTask<byte[]> DecryptAsync(KmsApiVersion api, DecryptInput input, CancellationToken cancellationToken) =>
        DecryptAsync(api, input, DateTime.MaxValue, cancellationToken);

    /// <inheritdoc cref="DecryptAsync(KmsApiVersion, DecryptInput, CancellationToken)"/>
    public async ValueTask<byte[]> DecryptAsync(KmsApiVersion api, DecryptInput input, DateTime deadline, CancellationToken cancellationToken)
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
                key = await FindAfterRefreshAsync(input.KeyId, deadline, cancellationToken).ConfigureAwait(false);
            }

            V2Annotations.Validate(input);
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
            return await DecryptSharedAsync(cacheKey, key, algorithm, input.Ciphertext, deadline, cancellationToken).ConfigureAwait(false);
        }

        return await DecryptV1Async(cacheKey, key, input.Ciphertext, deadline, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// kube-apiserver's KMS v1 DEKs are AES-256 keys: exactly 32 bytes. A PKCS#1 v1.5 unwrap with the wrong key passes
    /// the padding check with probability about 2^-16 and then yields a 32-byte message with about 2^-8 × 0.4 more
    /// (docs/rotation.md), so a wrong plaintext from an older version is returned at most about once in 10^7 tries.
    /// </summary>
    internal static bool IsPlausibleDek(ReadOnlySpan<byte> plaintext) => plaintext.Length == 32;

    private async Task<KeyReference> FindAfterRefreshAsync(string keyId, DateTime deadline, CancellationToken cancellationToken)
    {
        if (_ring.TryStartRefresh())
        {
            await RefreshVersionsAsync(deadline, cancellationToken).ConfigureAwait(false);
        }

        if (_ring.TryFind(keyId, out KeyReference key))
        {
            return key;
        }

        // The Go plugin's message, naming the key id Status reports.
        throw Invalid($"key id {keyId} does not match expected key id {_ring.Current?.KeyIdHash ?? ""} used for encryption");
    }

    /// <summary>List versions for Decrypt; a failure leaves the known versions as they were (it is not a rotation).</summary>
    private async Task RefreshVersionsAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        try
        {
            await WaitForTurnAsync(deadline, cancellationToken).ConfigureAwait(false);
            _ring.SetVersions(await _client.ListKeyVersionsAsync(_key.Name, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // No list permission or a failing vault: Decrypt goes on with the versions it knows.
        }
    }

    private async Task<byte[]> DecryptV1Async(DekCacheKey cacheKey, KeyReference current, ReadOnlyMemory<byte> ciphertext, DateTime deadline, CancellationToken cancellationToken)
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
            return await DecryptSharedAsync(cacheKey, current, KeyVaultAlgorithm.Rsa15, ciphertext, deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException refused) when (refused.StatusCode == StatusCode.InvalidArgument)
        {
            if (_ring.TryStartRefresh())
            {
                await RefreshVersionsAsync(deadline, cancellationToken).ConfigureAwait(false);
            }

            foreach (KeyReference other in _ring.OthersNewestFirst(current))
            {
                byte[] plaintext;
                try
                {
                    plaintext = await DecryptRemoteAsync(other, KeyVaultAlgorithm.Rsa15, ciphertext, deadline, cancellationToken).ConfigureAwait(false);
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

                CryptographicOperations.ZeroMemory(plaintext);
            }

            throw;
        }
    }

    /// <summary>One Key Vault decrypt for every concurrent miss of <paramref name="key"/>; its success is cached.</summary>
    private Task<byte[]> DecryptSharedAsync(DekCacheKey key, KeyReference version, string algorithm, ReadOnlyMemory<byte> ciphertext, DateTime deadline, CancellationToken cancellationToken) =>
        _flights.RunAsync(key, async leaderToken =>
        {
            byte[] plaintext = await DecryptRemoteAsync(version, algorithm, ciphertext, deadline, leaderToken).ConfigureAwait(false);
            _cache.Add(key, plaintext);
            return plaintext;
        }, cancellationToken);

    private async Task<byte[]> DecryptRemoteAsync(KeyReference key, string algorithm, ReadOnlyMemory<byte> ciphertextBytes, DateTime deadline, CancellationToken cancellationToken)
    {
        string ciphertext = Encoding.ASCII.GetString(ciphertextBytes.Span);
        KeyOperationResult result;
        try
        {
            await WaitForTurnAsync(deadline, cancellationToken).ConfigureAwait(false);
            result = await _client.DecryptAsync(key.Name, key.Version, algorithm, ciphertext, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsReportable(ex))
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
}
