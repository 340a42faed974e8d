using KmsNative.Kms;

namespace KmsNative.Tests.Observability;

/// <summary>An <see cref="InMemoryBackend"/> that counts calls and can be told to report itself unhealthy.</summary>
internal sealed class CountingBackend : IKmsBackend, IDisposable
{
    private readonly InMemoryBackend _inner = new();
    private int _encrypts;
    private int _decrypts;

    public string? UnhealthyReason { get; set; }

    public int Encrypts => Volatile.Read(ref _encrypts);

    public int Decrypts => Volatile.Read(ref _decrypts);

    public string KeyId => _inner.KeyId;

    public string? DeadlineDetail => null;

    public void Start()
    {
    }

    public ValueTask StopAsync() => _inner.StopAsync();

    public void Dispose() => _inner.Dispose();

    public ValueTask<BackendStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(UnhealthyReason is { } reason ? new BackendStatus(false, _inner.KeyId, reason) : new BackendStatus(true, _inner.KeyId, "ok"));

    public ValueTask<EncryptedDek> EncryptAsync(KmsApiVersion api, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _encrypts);
        return _inner.EncryptAsync(api, plaintext, cancellationToken);
    }

    public ValueTask<byte[]> DecryptAsync(KmsApiVersion api, DecryptInput input, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _decrypts);
        return _inner.DecryptAsync(api, input, cancellationToken);
    }
}
