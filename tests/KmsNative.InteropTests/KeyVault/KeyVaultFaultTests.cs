// SPDX-License-Identifier: MIT
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// Key Vault failures injected by the emulator, as the gRPC codes and messages kube-apiserver sees. No test bounds the
/// elapsed time (a loaded machine would make it flaky): the server-sent status says whether the deadline ended the call.
/// Faults are global to the emulator, so this class has its own (tests in one class run one at a time); each test
/// removes its faults.
/// </summary>
public sealed class KeyVaultFaultTests(KeyVaultFixture fixture) : IClassFixture<KeyVaultFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fixture.Emulator.ClearFaultsAsync();

    public Task DisposeAsync() => fixture.Emulator.ClearFaultsAsync();

    [Fact]
    public async Task Encrypt_Forbidden_PermissionDeniedNamingKeyWithoutSecret()
    {
        await fixture.Emulator.AddFaultAsync(new JsonObject { ["operation"] = "encrypt", ["status"] = 403, ["errorCode"] = "Forbidden" });

        RpcException error = await EncryptFailsAsync(fixture.Plugin);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        AssertNamesKeyWithoutSecret(error);
    }

    [Fact]
    public async Task Encrypt_ThrottledWithRetryAfterBeyondDeadline_DeadlineExceeded_ThenTheRateLimitHoldsCallsBack()
    {
        // Its own plugin: the 429 pauses that plugin's rate limit for the Retry-After, which the shared one must not see.
        await using KmsNativeServer plugin = await KeyVaultPlugin.StartAsync(fixture.Emulator, fixture.Key, KeyVaultPlugin.ClientSecretConfig(fixture.Emulator));
        await fixture.Emulator.AddFaultAsync(new JsonObject { ["operation"] = "encrypt", ["status"] = 429, ["retryAfterSeconds"] = 30 });

        RpcException error = await EncryptFailsAsync(plugin);

        // Azure.Core waits the Retry-After, past the deadline. The client's own timer and the server's answer end the
        // call at the same moment, so only the status is certain here; the next call shows the server's reasoning.
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);

        // The vault asked for 30 s of quiet: the next call is refused by the client-side limit, not sent.
        await fixture.Emulator.ClearFaultsAsync();
        error = await EncryptFailsAsync(plugin);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("--keyvault-rate-limit", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("after its deadline", error.Status.Detail, StringComparison.Ordinal);
        await AssertPluginStillServesAsync();
    }

    [Fact]
    public async Task Encrypt_OneServiceUnavailable_RetriedAndSucceeds()
    {
        await fixture.Emulator.ResetCountersAsync();
        await fixture.Emulator.AddFaultAsync(new JsonObject { ["operation"] = "encrypt", ["status"] = 503, ["count"] = 1 });
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);

        V2.EncryptResponse encrypted = await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("retried") }, KeyVaultPlugin.Options());

        Assert.Equal(fixture.Key.GoKeyId, encrypted.KeyId);
        JsonElement counters = await fixture.Emulator.GetCountersAsync();
        Assert.Equal(2, KeyVaultEmulatorProcess.Count(counters, "requests", "encrypt"));
        Assert.Equal(1, KeyVaultEmulatorProcess.Count(counters, "faulted", "encrypt"));
    }

    [Fact]
    public async Task Encrypt_PersistentServiceUnavailable_UnavailableNamingTheKey()
    {
        await fixture.Emulator.AddFaultAsync(new JsonObject { ["operation"] = "encrypt", ["status"] = 503 });

        // A deadline longer than Azure.Core's retries (4, 0.2 s doubling to 2 s), so the server's answer is the vault's.
        RpcException error = await EncryptFailsAsync(fixture.Plugin, TimeSpan.FromSeconds(20));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("HTTP 503", error.Status.Detail, StringComparison.Ordinal);
        AssertNamesKeyWithoutSecret(error);

        await fixture.Emulator.ClearFaultsAsync();
        await AssertPluginStillServesAsync();
    }

    [Fact]
    public async Task Encrypt_DroppedConnection_Unavailable()
    {
        // Every attempt's connection is reset; the retries give up before this call's (longer) deadline.
        await fixture.Emulator.AddFaultAsync(new JsonObject { ["operation"] = "encrypt", ["dropConnection"] = true });

        RpcException error = await EncryptFailsAsync(fixture.Plugin, TimeSpan.FromSeconds(20));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.DoesNotContain(fixture.Emulator.ClientSecret, error.Status.Detail, StringComparison.Ordinal);
        await fixture.Emulator.ClearFaultsAsync();
        await AssertPluginStillServesAsync();
    }

    [Fact]
    public async Task DisabledKeyVersion_StatusNotOkAndEncryptFailedPrecondition()
    {
        SeededKey disabled = await fixture.Emulator.SeedKeyAsync("kek-disabled", enabled: false);
        await using KmsNativeServer plugin = await KeyVaultPlugin.StartAsync(
            fixture.Emulator, disabled, KeyVaultPlugin.ClientSecretConfig(fixture.Emulator));
        using GrpcChannel channel = UdsGrpcChannel.Create(plugin.SocketPath);

        V2.StatusResponse status = await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel);
        RpcException error = await EncryptFailsAsync(plugin);

        Assert.NotEqual("ok", status.Healthz);
        Assert.Contains("disabled", status.Healthz, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("kek-disabled", status.Healthz, StringComparison.Ordinal);
        Assert.Equal(disabled.GoKeyId, status.KeyId);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("kek-disabled", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongClientSecret_SocketUpStatusReportsAuthFailureEncryptUnauthenticated()
    {
        const string WrongSecret = "wrong-secret-e2e-5f1c9a";
        JsonObject azureJson = KeyVaultPlugin.ClientSecretConfig(fixture.Emulator);
        azureJson["aadClientSecret"] = WrongSecret;
        await using KmsNativeServer plugin = await KeyVaultPlugin.StartAsync(fixture.Emulator, fixture.Key, azureJson);
        using GrpcChannel channel = UdsGrpcChannel.Create(plugin.SocketPath);

        V2.StatusResponse status = await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel);
        RpcException error = await EncryptFailsAsync(plugin);

        Assert.NotEqual("ok", status.Healthz);
        Assert.True(status.Healthz.Contains("token", StringComparison.OrdinalIgnoreCase)
                    || status.Healthz.Contains("auth", StringComparison.OrdinalIgnoreCase), $"healthz: {status.Healthz}");
        Assert.Equal(fixture.Key.GoKeyId, status.KeyId);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.DoesNotContain(WrongSecret, status.Healthz, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, plugin.Output, StringComparison.Ordinal);
    }

    private async Task AssertPluginStillServesAsync()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        V2.EncryptResponse encrypted = await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("after the fault") }, KeyVaultPlugin.Options());
        V2.DecryptResponse decrypted = await client.DecryptAsync(KeyVaultRoundTripTests.DecryptRequest(encrypted), KeyVaultPlugin.Options());
        Assert.Equal("after the fault", decrypted.Plaintext.ToStringUtf8());
    }

    private static async Task<RpcException> EncryptFailsAsync(KmsNativeServer plugin, TimeSpan? timeout = null)
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(plugin.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        return await Assert.ThrowsAsync<RpcException>(() => client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("plaintext") }, KeyVaultPlugin.Options(timeout)).ResponseAsync);
    }

    private void AssertNamesKeyWithoutSecret(RpcException error)
    {
        string detail = error.Status.Detail;
        Assert.True(detail.Contains("kek", StringComparison.Ordinal) &&
                    (detail.Contains(SeededKey.VaultName, StringComparison.Ordinal) || detail.Contains(fixture.Key.Version, StringComparison.Ordinal)),
                    $"the message names neither the vault nor the key version: {detail}");
        Assert.DoesNotContain(fixture.Emulator.ClientSecret, detail, StringComparison.Ordinal);
    }
}
