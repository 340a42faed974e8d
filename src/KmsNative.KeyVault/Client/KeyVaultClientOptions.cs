using Azure.Core;
using Azure.Core.Pipeline;

namespace KmsNative.KeyVault.Client;

/// <summary>
/// Azure.Core client options for our Key Vault client: retries on 408/429/5xx honouring Retry-After, bounded by the
/// caller's token (the gRPC deadline), and the user agent "kmsnative/&lt;version&gt;".
/// </summary>
internal sealed class KeyVaultClientOptions : ClientOptions
{
    /// <summary>
    /// Connections to the vault at once (HTTP/1.1, so also calls in flight). On Azure.Core's shared transport each
    /// concurrent call opened a TLS connection of its own (9 at 8 in flight, measured against the emulator). Under
    /// the rate limit (50 calls/s by default) a vault that answers within 40 ms has at most two calls in flight, so 4
    /// costs no latency there; more calls wait for a free connection inside their deadline.
    /// </summary>
    public const int MaxConnections = 4;

    /// <summary>The transport <see cref="KeyVaultClient"/> uses unless it is given one (tests): at most <see cref="MaxConnections"/>.</summary>
    public static HttpPipelineTransport CreateTransport() => new HttpClientTransport(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = MaxConnections,
        AllowAutoRedirect = false, // Azure.Core's redirect policy decides
        UseCookies = false,
    });

    public KeyVaultClientOptions(string version)
    {
        // ApplicationId prefixes the User-Agent header; Azure.Core limits it to 24 characters.
        Diagnostics.ApplicationId = ("kmsnative/" + version) is { Length: <= 24 } id ? id : "kmsnative";
        Diagnostics.IsLoggingEnabled = false;        // Azure.Core's event-source logging could carry headers
        Diagnostics.IsDistributedTracingEnabled = false;
        Diagnostics.IsTelemetryEnabled = true;
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 4;
        Retry.Delay = TimeSpan.FromMilliseconds(200);
        Retry.MaxDelay = TimeSpan.FromSeconds(2);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
    }

    /// <summary>The clock token freshness and forced refreshes are read from (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The Key Vault REST API version this client speaks.</summary>
    public string ApiVersion { get; init; } = "7.5";

    /// <summary>
    /// Proxy mode (--proxy-mode): every request also carries this x-azure-proxy-target value. The vault URL is then
    /// the proxy's plain-HTTP URL; Key Vault's key ids stay the real ones.
    /// </summary>
    public string? ProxyTarget { get; init; }

    /// <summary>Called on every 429 attempt with the wait Key Vault asked for (null when it named none): the rate limit slows down.</summary>
    public Action<TimeSpan?>? Throttled { get; init; }
}
