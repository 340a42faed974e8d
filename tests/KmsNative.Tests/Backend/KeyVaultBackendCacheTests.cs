using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.Observability;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Backend;

/// <summary>The DEK cache in the backend: hits skip Key Vault, concurrent misses share one call, failures are not kept.</summary>
public sealed class KeyVaultBackendCacheTests : IDisposable
{
    private readonly StubKeyVault _vault = new();
    private readonly KeyReference _key = new(new Uri("https://example.vault.azure.net/"), "mykey", "ABCD");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));


    public void Dispose()
    {
        _vault.Dispose();
    }

    private KeyVaultBackend Backend(int cacheSize = 100)
    {
        var client = _vault.CreateClient(_key.VaultUrl);
        return new KeyVaultBackend(client, _key, _time, NullKmsLog.Instance, new BackendSettings { DekCacheSize = cacheSize, DekCacheTtl = TimeSpan.FromMinutes(10) });
    }

    private DecryptInput V2Input(byte[] seed) => new(
        Encoding.ASCII.GetBytes(StubKeyVault.B64(_vault.Rsa.Encrypt(seed, RSAEncryptionPadding.OaepSHA256))),
        _key.KeyIdHash,
        new Dictionary<string, ByteString>
        {
            ["version.azure.akv.io"] = ByteString.CopyFromUtf8("1"),
            ["algorithm.azure.akv.io"] = ByteString.CopyFromUtf8("RSA-OAEP-256"),
        });

    [Fact]
    public async Task Decrypt_SameCiphertext100Times_OneKeyVaultCall_UntilTheTtl()
    {
        using KeyVaultBackend backend = Backend();
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        DecryptInput input = V2Input(seed);

        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(seed, await backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None));
        }

        Assert.Equal(1, _vault.Count("decrypt"));
        Assert.Equal(99, backend.Counters.CacheHits);
        Assert.Equal(1, backend.Counters.CacheMisses);
        Assert.Equal(1, backend.Counters.CacheEntries);
        Assert.Equal(1, backend.Counters.Calls(KeyVaultOperation.Decrypt, KeyVaultOutcome.Succeeded));
        Assert.Equal("ABCD", backend.Counters.CurrentKeyVersion);

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(seed, await backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None));
        Assert.Equal(2, _vault.Count("decrypt"));
    }

    [Fact]
    public async Task Decrypt_ConcurrentIdenticalMisses_OneKeyVaultCall_EachCallerItsOwnCopy()
    {
        using KeyVaultBackend backend = Backend();
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        DecryptInput input = V2Input(seed);
        _vault.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        ValueTask<byte[]>[] calls = [.. Enumerable.Range(0, 16).Select(_ => backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None))];
        _vault.Gate.SetResult();
        var results = new List<byte[]>();
        foreach (ValueTask<byte[]> call in calls)
        {
            results.Add(await call);
        }

        Assert.Equal(1, _vault.Count("decrypt"));
        Assert.All(results, r => Assert.Equal(seed, r));
        Assert.Equal(16, results.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public async Task Decrypt_FollowerOutlivesTheLeadersDeadline_RetriesInsteadOfFailing()
    {
        using KeyVaultBackend backend = Backend();
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        DecryptInput input = V2Input(seed);
        _vault.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var leaderDeadline = new CancellationTokenSource();

        ValueTask<byte[]> leader = backend.DecryptAsync(KmsApiVersion.V2, input, leaderDeadline.Token);
        ValueTask<byte[]> follower = backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None);
        await leaderDeadline.CancelAsync();
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(async () => await leader)).StatusCode);
        _vault.Gate.SetResult();

        Assert.Equal(seed, await follower);
        Assert.Equal(2, _vault.Count("decrypt"));
    }

    [Fact]
    public async Task Decrypt_Failure_IsNotCached()
    {
        using KeyVaultBackend backend = Backend();
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        DecryptInput input = V2Input(seed);
        _vault.Failure = (System.Net.HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "down");
        await Assert.ThrowsAsync<RpcException>(async () => await backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None));

        _vault.Failure = null;
        Assert.Equal(seed, await backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None));
        Assert.Equal(2, _vault.Count("decrypt"));
        Assert.Equal(1, backend.Cache.Count);
    }

    [Fact]
    public async Task Decrypt_CacheSizeZero_EveryCallReachesKeyVault()
    {
        using KeyVaultBackend backend = Backend(cacheSize: 0);
        DecryptInput input = V2Input(RandomNumberGenerator.GetBytes(32));
        await backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None);
        await backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None);
        Assert.Equal(2, _vault.Count("decrypt"));
    }
}
