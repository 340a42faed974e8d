using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;

namespace KmsNative.Benchmarks.Kms;

/// <summary>
/// The Key Vault backend on the two paths that make no Key Vault call (issue #9): a Decrypt answered by the DEK cache,
/// to set beside <see cref="BackendBenchmarks.Decrypt"/> (the in-memory backend's AES-GCM unwrap), and an Encrypt run
/// locally with the key's public part (RSA-OAEP-256, RSA-2048). The vault is the tests' stub; setup makes its only calls
/// (the first check: get key + canary, and one decrypt to fill the cache), so the stub's request count is the proof
/// that the measured loop never reaches it.
/// </summary>
public class KeyVaultBackendBenchmarks : IDisposable
{
    private StubKeyVault _vault = null!;
    private KeyVaultBackend _backend = null!;
    private DecryptInput _cached;
    private int _requestsAfterSetup;

    [GlobalSetup]
    public void Setup()
    {
        _vault = new StubKeyVault();
        var key = new KeyReference(new Uri("https://example.vault.azure.net/"), "mykey", "ABCD");
        var client = _vault.CreateClient(key.VaultUrl);
        _backend = new KeyVaultBackend(client, key, TimeProvider.System, NullKmsLog.Instance,
            new BackendSettings { LocalEncrypt = true, DekCacheSize = 1000, DekCacheTtl = TimeSpan.FromHours(1) });
        _backend.Start();
        _backend.Monitor.FirstCheck.GetAwaiter().GetResult(); // the get-key that enables local encrypt

        _cached = new DecryptInput(
            Encoding.ASCII.GetBytes(StubKeyVault.B64(_vault.Rsa.Encrypt(KmsRequests.Plaintext, RSAEncryptionPadding.OaepSHA256))),
            key.KeyIdHash,
            new Dictionary<string, ByteString>
            {
                ["version.azure.akv.io"] = ByteString.CopyFromUtf8("1"),
                ["algorithm.azure.akv.io"] = ByteString.CopyFromUtf8("RSA-OAEP-256"),
            });
        CachedDecrypt(); // the miss that fills the cache
        _requestsAfterSetup = _vault.Requests.Count;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        int reached = _vault.Requests.Count - _requestsAfterSetup;
        _backend.StopAsync().AsTask().GetAwaiter().GetResult();
        _vault.Dispose();
        GC.SuppressFinalize(this);
        if (reached != 0)
        {
            throw new InvalidOperationException($"the measured calls reached the vault {reached} times; they must not reach it at all");
        }
    }

    [Benchmark]
    public int CachedDecrypt()
    {
        byte[] plaintext = Synchronously.Wait(_backend.DecryptAsync(KmsApiVersion.V2, _cached, CancellationToken.None));
        CryptographicOperations.ZeroMemory(plaintext);
        return plaintext.Length;
    }

    [Benchmark]
    public int LocalEncrypt() =>
        Synchronously.Wait(_backend.EncryptAsync(KmsApiVersion.V2, KmsRequests.Plaintext, CancellationToken.None)).Ciphertext.Length;
}
