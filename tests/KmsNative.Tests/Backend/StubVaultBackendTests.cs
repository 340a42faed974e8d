using System.Threading.Channels;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Tests.Client;
using KmsNative.Kms.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Backend;

/// <summary>
/// What the Key Vault backend's tests share: the tests' stub vault, a fake clock, the key, one backend over them
/// whose health checks arrive on a channel (a test awaits a check instead of sleeping), stopped and the vault disposed
/// after each test.
/// </summary>
public abstract class StubVaultBackendTests : IAsyncDisposable
{
    private protected static readonly Uri VaultUrl = new("https://example.vault.azure.net/");
    private KeyVaultBackend? _backend;

    private protected StubKeyVault Vault { get; } = new();

    private protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));

    private protected KeyReference Key { get; } = new(VaultUrl, "mykey", "ABCD");

    /// <summary>One value per finished check of the backend's monitor: healthy or not.</summary>
    private protected Channel<bool> Checks { get; } = Channel.CreateUnbounded<bool>();

    private protected KeyVaultBackend Backend => _backend ?? throw new InvalidOperationException("CreateBackend first");

    private protected KeyVaultBackend CreateBackend(BackendSettings? settings = null, KeyReference? key = null, IKmsLog? log = null)
    {
        _backend = new KeyVaultBackend(Vault.CreateClient(VaultUrl), key ?? Key, Time, log ?? NullKmsLog.Instance, settings);
        _backend.Monitor.Checked += healthy => Checks.Writer.TryWrite(healthy);
        return _backend;
    }

    public async ValueTask DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.StopAsync();
        }

        Vault.Dispose();
        GC.SuppressFinalize(this);
    }
}
