using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using KmsNative.Kms;

namespace KmsNative.Benchmarks.Kms;

/// <summary>
/// The in-memory backend's AES-256-GCM wrap and unwrap of a 32-byte DEK, with no delay: the floor under every
/// end-to-end number (the Key Vault backend adds a network round trip on a cache miss).
/// </summary>
public class BackendBenchmarks : IDisposable
{
    private InMemoryBackend _backend = null!;
    private DecryptInput _input;

    [GlobalSetup]
    public void Setup()
    {
        _backend = new InMemoryBackend();
        EncryptedDek dek = Synchronously.Wait(_backend.EncryptAsync(KmsApiVersion.V2, KmsRequests.Plaintext, CancellationToken.None));
        var annotations = dek.Annotations.ToDictionary(a => a.Key, a => ByteString.CopyFrom(a.Value));
        _input = new DecryptInput(dek.Ciphertext, dek.KeyId, annotations);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _backend.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark]
    public int Encrypt() =>
        Synchronously.Wait(_backend.EncryptAsync(KmsApiVersion.V2, KmsRequests.Plaintext, CancellationToken.None)).Ciphertext.Length;

    [Benchmark]
    public int Decrypt()
    {
        byte[] plaintext = Synchronously.Wait(_backend.DecryptAsync(KmsApiVersion.V2, _input, CancellationToken.None));
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
        return plaintext.Length;
    }
}
