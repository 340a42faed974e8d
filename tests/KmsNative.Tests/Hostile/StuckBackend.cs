using KmsNative.Kms;

namespace KmsNative.Tests.Hostile;

/// <summary>
/// An in-memory backend whose Encrypt waits for <see cref="Release"/> and ignores cancellation: a handler that keeps
/// running after its stream was reset, as a Key Vault call stuck in a retry would.
/// </summary>
internal sealed class StuckBackend : IKmsBackend, IDisposable
{
    private readonly InMemoryBackend _inner = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _encryptsStarted;

    public int EncryptsStarted => Volatile.Read(ref _encryptsStarted);

    public string? DeadlineDetail => null;

    public void Release() => _gate.TrySetResult();

    public void Dispose() => _inner.Dispose();

    public void Start() => _inner.Start();

    public async ValueTask StopAsync()
    {
        Release();
        await _inner.StopAsync();
    }

    public ValueTask<BackendStatus> GetStatusAsync(CancellationToken cancellationToken) => _inner.GetStatusAsync(cancellationToken);

    public async ValueTask<EncryptedDek> EncryptAsync(KmsApiVersion api, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _encryptsStarted);
        byte[] copy = plaintext.ToArray(); // the request's buffer is zeroed once the handler has started
        await _gate.Task.ConfigureAwait(false);
        return await _inner.EncryptAsync(api, copy, CancellationToken.None);
    }

    public ValueTask<byte[]> DecryptAsync(KmsApiVersion api, DecryptInput input, CancellationToken cancellationToken) =>
        _inner.DecryptAsync(api, input, cancellationToken);
}
