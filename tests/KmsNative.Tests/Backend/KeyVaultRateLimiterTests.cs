using System.Net;
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

/// <summary>The client-side Key Vault rate limit, on a fake clock: spacing, deadlines, 429s, and what never waits.</summary>
public sealed class KeyVaultRateLimiterTests : IDisposable
{
    private static readonly DateTime s_noDeadline = DateTime.MaxValue;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly StubKeyVault _vault = new();
    private readonly KeyReference _key = new(new Uri("https://example.vault.azure.net/"), "mykey", "ABCD");


    public void Dispose()
    {
        _vault.Dispose();
    }

    private DateTime In(TimeSpan time) => _time.GetUtcNow().UtcDateTime + time;

    private static Task Acquire(KeyVaultRateLimiter limiter, DateTime deadline, CancellationToken cancellationToken = default) =>
        limiter.AcquireAsync(deadline, cancellationToken).AsTask();

    // For a refusal, which AcquireAsync throws before it returns anything.
    private static void Refuse(KeyVaultRateLimiter limiter, DateTime deadline) => _ = Acquire(limiter, deadline);

    [Fact]
    public void AcquireAsync_SimultaneousCalls_AreSpacedOneSlotApart()
    {
        var limiter = new KeyVaultRateLimiter(10, _time);
        Task[] calls = [.. Enumerable.Range(0, 4).Select(_ => Acquire(limiter, s_noDeadline))];

        Assert.True(calls[0].IsCompletedSuccessfully); // a free slot costs no wait
        Assert.All(calls[1..], call => Assert.False(call.IsCompleted));
        for (int i = 1; i < calls.Length; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(99));
            Assert.False(calls[i].IsCompleted);
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(calls[i].IsCompletedSuccessfully);
        }
    }

    [Fact]
    public void AcquireAsync_OneSecondOfStorm_AdmitsAtMostTheRatePlusOne()
    {
        var limiter = new KeyVaultRateLimiter(20, _time);
        Task[] calls = [.. Enumerable.Range(0, 100).Select(_ => Acquire(limiter, s_noDeadline))];

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(21, calls.Count(call => call.IsCompleted)); // slots at 0, 50 ms, …, 1000 ms
    }

    [Fact]
    public void AcquireAsync_DeadlineBeforeItsTurn_FailsUnavailableAtOnce_AndTakesNoSlot()
    {
        var limiter = new KeyVaultRateLimiter(10, _time);
        Task first = Acquire(limiter, s_noDeadline);
        Task second = Acquire(limiter, s_noDeadline); // its turn: +100 ms

        // The next turn is at +200 ms: a call due at +150 ms is refused now, without waiting for its deadline.
        var refused = Assert.Throws<KeyVaultRateLimitedException>(() => Refuse(limiter, In(TimeSpan.FromMilliseconds(150))));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("--keyvault-rate-limit", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, limiter.Refused);

        // The refused call took no slot: the next one gets +200 ms.
        Task third = Acquire(limiter, In(TimeSpan.FromSeconds(3)));
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully && third.IsCompletedSuccessfully);
    }

    [Fact]
    public void AcquireAsync_DeadlineLeavesNoTimeForTheCall_IsRefused()
    {
        var limiter = new KeyVaultRateLimiter(10, _time);
        _ = Acquire(limiter, s_noDeadline);

        // Its turn (+100 ms) comes before the deadline (+120 ms), but leaves less than the call allowance for Key Vault.
        Assert.Throws<KeyVaultRateLimitedException>(() => Refuse(limiter, In(TimeSpan.FromMilliseconds(120))));
    }

    [Fact]
    public async Task AcquireAsync_TokenCancelledWhileWaiting_Throws()
    {
        var limiter = new KeyVaultRateLimiter(1, _time);
        _ = Acquire(limiter, s_noDeadline);
        using var cts = new CancellationTokenSource();
        Task waiting = Acquire(limiter, s_noDeadline, cts.Token);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
    }

    [Fact]
    public void OnThrottled_StormOf429_PausesForRetryAfter_HalvesTheRateOncePerPause_ThenRecovers()
    {
        var limiter = new KeyVaultRateLimiter(100, _time);

        // Every call in flight comes back 429 at once: one slowdown, not fifty.
        for (int i = 0; i < 50; i++)
        {
            limiter.OnThrottled(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(50, limiter.CurrentRate, precision: 6);
        Task paused = Acquire(limiter, s_noDeadline);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(paused.IsCompleted); // nothing is sent during Retry-After
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(paused.IsCompletedSuccessfully);

        // The vault still throttles after each pause: the rate keeps halving, down to 1/64 of the flag.
        for (int round = 0; round < 10; round++)
        {
            limiter.OnThrottled(TimeSpan.FromSeconds(1));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(100.0 / 64, limiter.CurrentRate, precision: 6);
        Assert.Equal(60, limiter.ThrottleSignals);

        // A deadline that the pause alone would pass is refused at once.
        limiter.OnThrottled(TimeSpan.FromSeconds(5));
        Assert.Throws<KeyVaultRateLimitedException>(() => Refuse(limiter, In(TimeSpan.FromSeconds(3))));

        // Each quiet 10 s doubles it back, never above the flag.
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(100.0 / 32, limiter.CurrentRate, precision: 6);
        _time.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(100, limiter.CurrentRate, precision: 6);
    }

    [Fact]
    public void OnThrottled_WithoutRetryAfter_PausesForTheDefault()
    {
        var limiter = new KeyVaultRateLimiter(100, _time);
        limiter.OnThrottled(null);
        Task paused = Acquire(limiter, s_noDeadline);
        _time.Advance(KeyVaultRateLimiter.DefaultPause - TimeSpan.FromMilliseconds(1));
        Assert.False(paused.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(paused.IsCompletedSuccessfully);
    }

    private KeyVaultBackend Backend(KeyVaultRateLimiter limiter, int retries = 0)
    {
        var options = new KeyVaultClientOptions("0.1.0") { Retry = { MaxRetries = retries }, Throttled = limiter.OnThrottled };
        var client = _vault.CreateClient(_key.VaultUrl, options);
        return new KeyVaultBackend(client, _key, _time, NullKmsLog.Instance, new BackendSettings { DekCacheTtl = TimeSpan.FromMinutes(10) }, limiter);
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
    public async Task Backend_429StormFromTheVault_SlowsTheLimiter()
    {
        var limiter = new KeyVaultRateLimiter(100, _time);
        using KeyVaultBackend backend = Backend(limiter);
        _vault.Failure = (HttpStatusCode.TooManyRequests, "Throttled", "Request was not processed because too many requests were received.");
        _vault.RetryAfter = "3";

        RpcException error = await Assert.ThrowsAsync<RpcException>(async () =>
            await backend.DecryptAsync(KmsApiVersion.V2, V2Input(RandomNumberGenerator.GetBytes(32)), CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, limiter.ThrottleSignals);
        Assert.Equal(50, limiter.CurrentRate, precision: 6);
        Assert.Equal(1, backend.Counters.Throttled);

        // The next call is held for the vault's Retry-After, then goes through.
        _vault.Failure = null;
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        ValueTask<byte[]> held = backend.DecryptAsync(KmsApiVersion.V2, V2Input(seed), CancellationToken.None);
        Assert.False(held.IsCompleted);
        Assert.Equal(1, _vault.Count("decrypt"));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(seed, await held);
        Assert.Equal(2, _vault.Count("decrypt"));
    }

    [Fact]
    public async Task Backend_DeadlineBeforeItsTurn_FailsUnavailableAtOnce_WithoutCallingKeyVault()
    {
        var limiter = new KeyVaultRateLimiter(100, _time);
        using KeyVaultBackend backend = Backend(limiter);
        limiter.OnThrottled(TimeSpan.FromSeconds(10));

        ValueTask<byte[]> call = backend.DecryptAsync(KmsApiVersion.V2, V2Input(RandomNumberGenerator.GetBytes(32)), In(TimeSpan.FromSeconds(3)), CancellationToken.None);

        Assert.True(call.IsCompleted); // at once: no clock advance
        RpcException error = await Assert.ThrowsAnyAsync<RpcException>(async () => await call);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(0, _vault.Count("decrypt"));
        Assert.Equal(1, backend.Counters.Calls(KeyVaultOperation.Decrypt, KeyVaultOutcome.Unavailable));
    }

    [Fact]
    public async Task Backend_CacheHit_NeverWaitsOnTheLimiter()
    {
        var limiter = new KeyVaultRateLimiter(100, _time);
        using KeyVaultBackend backend = Backend(limiter);
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        DecryptInput input = V2Input(seed);
        Assert.Equal(seed, await backend.DecryptAsync(KmsApiVersion.V2, input, CancellationToken.None));

        limiter.OnThrottled(TimeSpan.FromMinutes(1)); // nothing may reach Key Vault for a minute

        ValueTask<byte[]> hit = backend.DecryptAsync(KmsApiVersion.V2, input, In(TimeSpan.FromMilliseconds(1)), CancellationToken.None);
        Assert.True(hit.IsCompletedSuccessfully);
        Assert.Equal(seed, await hit);
        Assert.Equal(0, limiter.Refused);
        Assert.Equal(1, _vault.Count("decrypt"));
    }
}
