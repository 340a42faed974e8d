using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;

namespace KmsNative.Kms;

/// <summary>
/// A backend with a process-local AES-256-GCM key, for tests, benchmarks and the Kestrel peer: same services,
/// no Key Vault. Data it encrypts cannot be decrypted after a restart. Never for a real cluster.
/// Ciphertext layout: nonce (12) | AES-GCM ciphertext | tag (16).
/// </summary>
internal sealed class InMemoryBackend : IKmsBackend, IDisposable
{
    public const string AnnotationKey = "version.in-memory.kmsnative.io";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private static readonly Status s_notOurs = new(StatusCode.InvalidArgument, "ciphertext was not produced by this key, or was altered");

    private readonly AesGcm _aes; // not thread-safe: every use holds _aesLock (concurrent calls corrupted each other)
    private readonly Lock _aesLock = new();
    private readonly TimeSpan _delay;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, byte[]> _annotations = new() { [AnnotationKey] = "1"u8.ToArray() };

    /// <param name="deadlineDetail">What DEADLINE_EXCEEDED messages add (tests of that text).</param>
    public InMemoryBackend(TimeSpan delay = default, TimeProvider? time = null, string? deadlineDetail = null)
    {
        DeadlineDetail = deadlineDetail;
        byte[] key = RandomNumberGenerator.GetBytes(32);
        _aes = new AesGcm(key, TagSize);
        KeyId = "in-memory-" + Convert.ToHexStringLower(SHA256.HashData(key))[..16];
        CryptographicOperations.ZeroMemory(key);
        _delay = delay;
        _time = time ?? TimeProvider.System;
    }

    public string KeyId { get; }

    public string? DeadlineDetail { get; }

    public void Start()
    {
    }

    public ValueTask StopAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public async ValueTask<BackendStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken).ConfigureAwait(false);
        return new BackendStatus(Healthy: true, KeyId, "ok");
    }

    public async ValueTask<EncryptedDek> EncryptAsync(KmsApiVersion api, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken).ConfigureAwait(false);
        byte[] ciphertext = new byte[NonceSize + plaintext.Length + TagSize];
        Span<byte> nonce = ciphertext.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        lock (_aesLock)
        {
            _aes.Encrypt(nonce, plaintext.Span, ciphertext.AsSpan(NonceSize, plaintext.Length), ciphertext.AsSpan(NonceSize + plaintext.Length));
        }

        return new EncryptedDek(ciphertext, KeyId, _annotations);
    }

    public async ValueTask<byte[]> DecryptAsync(KmsApiVersion api, DecryptInput input, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken).ConfigureAwait(false);
        if (api == KmsApiVersion.V2)
        {
            if (input.KeyId != KeyId)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"key id '{input.KeyId}' does not match the current key id '{KeyId}'"));
            }

            if (!input.Annotations.TryGetValue(AnnotationKey, out ByteString? version) || !version.Span.SequenceEqual("1"u8))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"annotation {AnnotationKey} is missing or not \"1\""));
            }
        }

        ReadOnlySpan<byte> ciphertext = input.Ciphertext.Span;
        if (ciphertext.Length < NonceSize + TagSize)
        {
            throw new RpcException(s_notOurs);
        }

        // Pinned, so the GC never leaves a moved copy of the plaintext behind.
        byte[] plaintext = GC.AllocateUninitializedArray<byte>(ciphertext.Length - NonceSize - TagSize, pinned: true);
        try
        {
            lock (_aesLock)
            {
                _aes.Decrypt(ciphertext[..NonceSize], ciphertext[NonceSize..^TagSize], ciphertext[^TagSize..], plaintext);
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw new RpcException(s_notOurs);
        }

        return plaintext;
    }

    public void Dispose() => _aes.Dispose();

    private Task DelayAsync(CancellationToken cancellationToken) =>
        _delay > TimeSpan.Zero ? Task.Delay(_delay, _time, cancellationToken) : Task.CompletedTask;
}
