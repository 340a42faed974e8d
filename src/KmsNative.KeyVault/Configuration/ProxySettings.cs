namespace KmsNative.KeyVault.Configuration;

/// <summary>
/// <c>--proxy-mode</c> with <c>--proxy-address</c> and <c>--proxy-port</c> (contract 1.b.4): AAD token requests and Key
/// Vault calls go in plain HTTP to <c>http://{address}:{port}/…</c>, each marked with an <c>x-azure-proxy-target</c>
/// header. Managed identity is not proxied.
/// </summary>
internal sealed record ProxySettings
{
    /// <summary>The header that tells the proxy where a request goes.</summary>
    public const string TargetHeader = "x-azure-proxy-target";

    /// <summary><see cref="TargetHeader"/> value on token requests.</summary>
    public const string ActiveDirectoryTarget = "AzureActiveDirectory";

    /// <summary><see cref="TargetHeader"/> value on Key Vault requests.</summary>
    public const string KeyVaultTarget = "KeyVault";

    /// <exception cref="ConfigurationException">The address is empty or the port is not 1–65535.</exception>
    public ProxySettings(string address, int port)
    {
        // The Go plugin accepts both unchecked and then fails on every request ("http://:7788/…"); fail at start instead.
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new ConfigurationException("--proxy-mode needs --proxy-address");
        }

        if (port is < 1 or > 65535)
        {
            throw new ConfigurationException($"--proxy-port {port} is not a TCP port (1-65535)");
        }

        string host = address.Contains(':', StringComparison.Ordinal) && !address.StartsWith('[') ? $"[{address}]" : address;
        if (!Uri.TryCreate($"http://{host}:{port}/", UriKind.Absolute, out Uri? baseUri) || baseUri.AbsolutePath != "/")
        {
            throw new ConfigurationException($"--proxy-address \"{address}\" is not a host name or IP address");
        }

        Address = address;
        Port = port;
        BaseUri = baseUri;
    }

    public string Address { get; }

    public int Port { get; }

    /// <summary><c>http://{address}:{port}/</c>: the Go plugin's replacement for the cloud's AAD endpoint.</summary>
    public Uri BaseUri { get; }

    /// <summary>The AAD v1 token endpoint through the proxy: <c>http://{address}:{port}/{tenant}/oauth2/token?api-version=1.0</c>.</summary>
    public Uri GetTokenUri(string tenantId) =>
        new(BaseUri, $"{Uri.EscapeDataString(tenantId)}/oauth2/token?api-version=1.0");

    /// <summary>
    /// The Go plugin's vault URL rewrite: <c>https://{vault}.{suffix}/</c> becomes <c>http://{address}:{port}/{vault}.{suffix}/</c>.
    /// The v2 key_id is still computed from the unproxied URL.
    /// </summary>
    public Uri GetProxiedVaultUri(Uri vaultUri)
    {
        string original = vaultUri.OriginalString;
        string rest = original.StartsWith("https://", StringComparison.Ordinal) ? original["https://".Length..] : original;
        return new Uri(BaseUri.OriginalString + rest, UriKind.Absolute);
    }
}
