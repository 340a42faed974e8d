using KmsNative.KeyVaultEmulator.Faults;
using KmsNative.KeyVaultEmulator.Keys;
using KmsNative.KeyVaultEmulator.Tokens;

namespace KmsNative.KeyVaultEmulator;

/// <summary>Everything the endpoints share. Built once by <see cref="EmulatorHost"/>; each part is thread-safe.</summary>
internal sealed class EmulatorContext : IDisposable
{
    public EmulatorContext(EmulatorOptions options, EmulatorConfig config, TimeProvider time)
    {
        Options = options;
        Config = config;
        Keys = new KeyStore(time);
        Tokens = new TokenIssuer(time, options.TokenLifetime);
        Clients = new ClientAuthenticator(config, Tokens);
    }

    public EmulatorOptions Options { get; }

    public EmulatorConfig Config { get; }

    public KeyStore Keys { get; }

    public TokenIssuer Tokens { get; }

    public ClientAuthenticator Clients { get; }

    public FaultInjector Faults { get; } = new();

    /// <summary>scheme://host[:port] of this request, so a kid or an authority names the host the client used.</summary>
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    public void Dispose() => Tokens.Dispose();
}
