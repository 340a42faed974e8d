// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// <c>kmsnative --check</c> of the published binary against the emulator: the report and the exit code for a working
/// set-up and for the mistakes operators make. Faults are global to the emulator, so this class has its own.
/// </summary>
public sealed class CheckCommandTests : IAsyncLifetime
{
    private KeyVaultEmulatorProcess? _emulator;
    private SeededKey? _key;

    private KeyVaultEmulatorProcess Emulator => _emulator!;

    public async Task InitializeAsync()
    {
        _emulator = await KeyVaultEmulatorProcess.StartAsync();
        _key = await _emulator.SeedKeyAsync("kek");
    }

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    [Fact]
    public async Task Check_WorkingSetUp_ReportsEachStepAndExitsZero()
    {
        (int exitCode, string output) = await RunCheckAsync(_key!, KeyVaultPlugin.ClientSecretConfig(Emulator));

        Assert.True(exitCode == 0, output);
        foreach (string step in new[] { "configuration", "token", "get key", "encrypt", "decrypt" })
        {
            Assert.Matches($@"PASS  {step} +[0-9.]+ ms", output);
        }

        Assert.Contains("service principal with client secret", output, StringComparison.Ordinal);
        Assert.Contains($"https://{SeededKey.VaultName}.vault.azure.net/", output, StringComparison.Ordinal);
        Assert.Contains(_key!.Version, output, StringComparison.Ordinal);
        Assert.Contains(_key.GoKeyId, output, StringComparison.Ordinal);
        Assert.Contains("RSA 2048 bits", output, StringComparison.Ordinal);
        Assert.Contains("result: OK", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Emulator.ClientSecret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_AzureJsonWrittenAsYaml_Passes()
    {
        // yaml.v3 read this for the Go plugin, so it must work here: block mapping, comments, a YAML 1.1 boolean.
        string yaml = "# azure.json, in YAML\n" +
                      "cloud: AzurePublicCloud\n" +
                      $"tenantId: {Emulator.TenantId}\n" +
                      $"aadClientId: '{Emulator.ClientId}'\n" +
                      $"aadClientSecret: \"{Emulator.ClientSecret}\"\n" +
                      "useManagedIdentityExtension: no\n";
        string path = KeyVaultPlugin.WriteFile(Emulator, "azure.yaml", yaml);

        (int exitCode, string output) = await CapturedProcess.RunAsync(InteropPaths.Binary,
            [.. KeyVaultPlugin.Arguments(_key!, path), "--check"], TimeSpan.FromMinutes(2), KeyVaultPlugin.Environment(Emulator));

        Assert.True(exitCode == 0, output);
        Assert.Contains("service principal with client secret", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WrongKeyName_FailsAtGetKeyNamingTheFlags()
    {
        var missing = _key! with { Name = "no-such-key" };

        (int exitCode, string output) = await RunCheckAsync(missing, KeyVaultPlugin.ClientSecretConfig(Emulator));

        Assert.True(exitCode == 1, output);
        Assert.Contains("PASS  token", output, StringComparison.Ordinal);
        Assert.Contains("FAIL  get key", output, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", output, StringComparison.Ordinal);
        Assert.Contains("--key-name", output, StringComparison.Ordinal);
        Assert.DoesNotContain("PASS  encrypt", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_DecryptForbidden_FailsAtDecryptAskingForThePermission()
    {
        await Emulator.AddFaultAsync(new JsonObject { ["operation"] = "decrypt", ["status"] = 403, ["errorCode"] = "Forbidden" });
        try
        {
            (int exitCode, string output) = await RunCheckAsync(_key!, KeyVaultPlugin.ClientSecretConfig(Emulator));

            Assert.True(exitCode == 1, output);
            Assert.Contains("PASS  get key", output, StringComparison.Ordinal);
            Assert.Contains("PASS  encrypt", output, StringComparison.Ordinal);
            Assert.Contains("FAIL  decrypt", output, StringComparison.Ordinal);
            Assert.Contains("HTTP 403", output, StringComparison.Ordinal);
            Assert.Contains("keys/decrypt", output, StringComparison.Ordinal);
            Assert.Contains("Key Vault Crypto User", output, StringComparison.Ordinal);
        }
        finally
        {
            await Emulator.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task Check_WrongClientSecret_FailsAtTokenWithoutPrintingTheSecret()
    {
        const string WrongSecret = "wrong-secret-check-7d2e";
        JsonObject azureJson = KeyVaultPlugin.ClientSecretConfig(Emulator);
        azureJson["aadClientSecret"] = WrongSecret;

        (int exitCode, string output) = await RunCheckAsync(_key!, azureJson);

        Assert.True(exitCode == 1, output);
        Assert.Contains("PASS  configuration", output, StringComparison.Ordinal);
        Assert.Contains("FAIL  token", output, StringComparison.Ordinal);
        Assert.Contains("check the identity in azure.json", output, StringComparison.Ordinal);
        Assert.DoesNotContain("get key", output, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingAzureJson_FailsAtConfigurationNamingTheFile()
    {
        string path = Path.Combine(Emulator.Directory.FullName, "absent.json");

        (int exitCode, string output) = await CapturedProcess.RunAsync(InteropPaths.Binary,
            [.. KeyVaultPlugin.Arguments(_key!, path), "--check"], TimeSpan.FromMinutes(2), KeyVaultPlugin.Environment(Emulator));

        Assert.True(exitCode == 1, output);
        Assert.Contains("FAIL  configuration", output, StringComparison.Ordinal);
        Assert.Contains(path, output, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> RunCheckAsync(SeededKey key, JsonObject azureJson)
    {
        string path = KeyVaultPlugin.WriteFile(Emulator, "azure.json", azureJson.ToJsonString());
        return await CapturedProcess.RunAsync(InteropPaths.Binary, [.. KeyVaultPlugin.Arguments(key, path), "--check"],
            TimeSpan.FromMinutes(2), KeyVaultPlugin.Environment(Emulator));
    }
}
