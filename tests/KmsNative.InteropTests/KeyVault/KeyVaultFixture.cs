// SPDX-License-Identifier: MIT
namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// One emulator per test class with an RSA-2048 key "kek" seeded, and one plugin on it using the emulator's client
/// secret (the demo's set-up). Tests that need another plugin start it with <see cref="KeyVaultPlugin"/> on
/// <see cref="Emulator"/>. Disposal stops the plugin with SIGTERM (it must exit 0) and then the emulator.
/// </summary>
public sealed class KeyVaultFixture : IAsyncLifetime
{
    private KeyVaultEmulatorProcess? _emulator;
    private SeededKey? _key;
    private KmsNativeServer? _plugin;

    internal KeyVaultEmulatorProcess Emulator => _emulator ?? throw new InvalidOperationException("Fixture not initialized.");

    internal SeededKey Key => _key ?? throw new InvalidOperationException("Fixture not initialized.");

    internal KmsNativeServer Plugin => _plugin ?? throw new InvalidOperationException("Fixture not initialized.");

    public async Task InitializeAsync()
    {
        _emulator = await KeyVaultEmulatorProcess.StartAsync();
        _key = await _emulator.SeedKeyAsync("kek");
        _plugin = await KeyVaultPlugin.StartAsync(_emulator, _key, KeyVaultPlugin.ClientSecretConfig(_emulator));
    }

    public async Task DisposeAsync()
    {
        string? problem = null;
        if (_plugin is not null)
        {
            await using (_plugin)
            {
                (int exitCode, bool socketFileRemains) = await _plugin.StopAsync();
                if (exitCode != 0 || socketFileRemains)
                {
                    problem = $"plugin: exit code {exitCode} after SIGTERM, socket file {(socketFileRemains ? "left behind" : "removed")}:\n{_plugin.Output}";
                }
            }
        }

        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }
    }
}
