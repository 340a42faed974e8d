using System.Threading.Channels;
using Grpc.Core;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.Kms;
using KmsNative.Kms.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Backend;

/// <summary>Background health on a fake clock: no sleeps, and no bounds on elapsed time.</summary>
public sealed class KeyVaultHealthTests : StubVaultBackendTests
{
    private readonly RecordingLog _log = new();
    private readonly KeyVaultBackend _backend;

    public KeyVaultHealthTests() => _backend = CreateBackend(new BackendSettings { LocalEncrypt = false }, log: _log);

    /// <summary>Issue #9: an idle node (Status every 60 s) costs at most 60 Key Vault calls an hour.</summary>
    [Fact]
    public async Task IdleHour_StatusEveryMinute_AtMost60KeyVaultCalls()
    {
        _backend.Start();
        Assert.True(await Checks.Reader.ReadAsync());
        for (int minute = 1; minute <= 60; minute++)
        {
            Assert.True(StatusWithoutWaiting().Healthy);
            Time.Advance(TimeSpan.FromMinutes(1));
            if (minute % 5 == 0)
            {
                Assert.True(await Checks.Reader.ReadAsync()); // the 5-minute background check
            }
        }

        // 13 checks (at 0 and every 5 minutes): 13 get-keys, and the canary's encrypt + decrypt at 0 and at 60 minutes.
        Assert.Equal(13, Vault.Count("get"));
        Assert.Equal(2, Vault.Count("encrypt"));
        Assert.InRange(Vault.Requests.Count, 1, 60);
    }

    [Fact]
    public async Task Status_WhileTheFirstCheckRuns_AnswersWithItsOutcome()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Vault.Gate = gate;
        _backend.Start();
        ValueTask<BackendStatus> status = _backend.GetStatusAsync(CancellationToken.None);
        Assert.False(status.IsCompleted); // kube-apiserver's first Status gets the first check's answer, not "not checked yet"

        gate.SetResult();
        BackendStatus answered = await status;
        Assert.True(answered.Healthy);
        Assert.Equal("ok", answered.Reason);
        Assert.True(await Checks.Reader.ReadAsync());
    }

    [Fact]
    public async Task Status_DeadlineBeforeTheFirstCheckEnds_NotCheckedYetRatherThanAnError()
    {
        Vault.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _backend.Start();
        using var deadline = new CancellationTokenSource();
        ValueTask<BackendStatus> status = _backend.GetStatusAsync(deadline.Token);
        await deadline.CancelAsync();

        BackendStatus answered = await status;
        Assert.False(answered.Healthy);
        Assert.Equal(KeyVaultHealth.NotCheckedYet, answered.Reason);
    }

    [Fact]
    public async Task Status_AfterFirstCheck_AnswersFromStateWithoutCallingKeyVault()
    {
        _backend.Start();
        Assert.True(await Checks.Reader.ReadAsync());
        int requests = Vault.Requests.Count;

        for (int i = 0; i < 100; i++)
        {
            Assert.True(StatusWithoutWaiting().Healthy);
        }

        Assert.Equal(requests, Vault.Requests.Count);
        // The first check is a get-key plus the canary (encrypt + decrypt).
        Assert.Equal(1, Vault.Count("get"));
        Assert.Equal(1, Vault.Count("encrypt"));
        Assert.Equal(1, Vault.Count("decrypt"));
    }

    [Fact]
    public async Task SlowVault_CallsExceedTheirDeadlines_HealthNotOkWithReasonWhileStatusStaysFast()
    {
        _backend.Start();
        Assert.True(await Checks.Reader.ReadAsync());
        Vault.Hang = true;

        for (int i = 0; i < 3; i++)
        {
            using var deadline = new CancellationTokenSource();
            ValueTask<EncryptedDek> call = _backend.EncryptAsync(KmsApiVersion.V2, new byte[32], deadline.Token);
            await deadline.CancelAsync();
            RpcException error = await Assert.ThrowsAsync<RpcException>(async () => await call);
            Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        }

        BackendStatus status = StatusWithoutWaiting();
        Assert.False(status.Healthy);
        Assert.Equal("Key Vault calls in the last 60 s: 3 of 3 failed (deadline exceeded 3)", status.Reason);
        Assert.Single(_log.Lines, l => l.StartsWith("Error Key Vault key is not usable", StringComparison.Ordinal));

        // The failures age out of the window: healthy again, logged once.
        Vault.Hang = false;
        Time.Advance(TimeSpan.FromSeconds(61));
        Assert.True((await _backend.GetStatusAsync(CancellationToken.None)).Healthy);
        Assert.Equal(2, _log.Lines.Count(l => l.StartsWith("Info Key Vault key is usable", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Loop_UnhealthyBacksOffDoublingThenHealthyEveryInterval_AndStopCancelsACheckInFlight()
    {
        Vault.Failure = (System.Net.HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "down");
        _backend.Start();
        Assert.False(await Checks.Reader.ReadAsync());
        Assert.Contains("HTTP 503", (await _backend.GetStatusAsync(CancellationToken.None)).Reason, StringComparison.Ordinal);

        Time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(Checks.Reader.TryRead(out _));
        Time.Advance(TimeSpan.FromSeconds(1));  // 10 s after the first failure
        Assert.False(await Checks.Reader.ReadAsync());
        Time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(Checks.Reader.TryRead(out _));
        Time.Advance(TimeSpan.FromSeconds(1));  // then 20 s
        Assert.False(await Checks.Reader.ReadAsync());

        Vault.Failure = null;
        Time.Advance(TimeSpan.FromSeconds(40)); // then 40 s: the vault is back
        Assert.True(await Checks.Reader.ReadAsync());
        Assert.Equal("ok", (await _backend.GetStatusAsync(CancellationToken.None)).Reason);
        Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.False(Checks.Reader.TryRead(out _));
        Time.Advance(TimeSpan.FromSeconds(1));  // healthy: every 5 minutes
        Assert.True(await Checks.Reader.ReadAsync());

        Vault.Hang = true;
        Time.Advance(TimeSpan.FromMinutes(5));  // this check never gets an answer
        await _backend.StopAsync();              // and stopping does not wait for it
        Assert.Equal(5, _backend.Monitor.Checks);
    }

    [Fact]
    public async Task GetKeyForbidden_CanaryDecides_HealthyWhenEncryptAndDecryptWork()
    {
        Vault.Failure = (System.Net.HttpStatusCode.Forbidden, "Forbidden", "The user does not have keys get permission on key vault");
        _backend.Start();
        Assert.False(await Checks.Reader.ReadAsync()); // the canary is refused too: not ok
        Assert.Equal(1, Vault.Count("encrypt"));
    }

    /// <summary>Status must complete synchronously: it answers from state and has nothing to wait for.</summary>
    private BackendStatus StatusWithoutWaiting()
    {
#pragma warning disable CA2012 // completed, checked first
        ValueTask<BackendStatus> status = _backend.GetStatusAsync(CancellationToken.None);
        Assert.True(status.IsCompletedSuccessfully);
        return status.Result;
#pragma warning restore CA2012
    }

    private sealed class RecordingLog : IKmsLog
    {
        public List<string> Lines { get; } = [];

        public bool IsEnabled(LogLevel level) => true;

        public void Write(LogLevel level, string message, params (string Key, object? Value)[] fields)
        {
            lock (Lines)
            {
                Lines.Add(level + " " + message);
            }
        }
    }
}
