using System.Buffers;
using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using KmsNative.KeyVault.Configuration;

namespace KmsNative.KeyVault.Credentials;

/// <summary>
/// AAD v1 client credentials through the <c>--proxy-mode</c> proxy (contract 1.b.4). Azure.Identity refuses a
/// plain-HTTP authority, so this small credential speaks the one request the Go plugin (adal) makes:
/// <code>
/// POST http://{address}:{port}/{tenant}/oauth2/token?api-version=1.0
/// x-azure-proxy-target: AzureActiveDirectory
/// Content-Type: application/x-www-form-urlencoded
///
/// grant_type=client_credentials&amp;client_id=…&amp;resource=https://vault.azure.net
///   &amp;client_secret=…                                    (secret)
///   &amp;client_assertion_type=…jwt-bearer&amp;client_assertion=…  (certificate, or a federated token file)
/// </code>
/// </summary>
/// <remarks>
/// Thread-safe. One token is cached (for the last resource asked) and fetched again when it is within
/// <see cref="RefreshMargin"/> of expiry; concurrent callers share one request. If that refresh fails while the cached
/// token is still valid, the cached token is returned. Errors carry the HTTP status and the AAD error code, never the
/// secret, the assertion or the token. The credential owns the certificate it is given and disposes it.
/// </remarks>
internal sealed class ProxyTokenCredential : TokenCredential, IDisposable
{
    /// <summary>As adal's <c>defaultRefresh</c>.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan s_assertionLifetime = TimeSpan.FromMinutes(10);

    private readonly Uri _tokenUri;
    private readonly string _clientId;
    private readonly string? _clientSecret;
    private readonly X509Certificate2? _certificate;
    private readonly string? _assertionFile;
    private readonly HttpClient _httpClient;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _fetchLock = new(1, 1);
    private volatile CachedToken? _cached;

    private sealed record CachedToken(string Resource, AccessToken Token);

    private ProxyTokenCredential(ProxySettings proxy, string tenantId, string clientId, string? clientSecret,
        X509Certificate2? certificate, string? assertionFile, HttpMessageHandler? handler, TimeProvider? timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        _tokenUri = proxy.GetTokenUri(tenantId);
        _clientId = clientId;
        _clientSecret = clientSecret;
        _certificate = certificate;
        _assertionFile = assertionFile;
        _httpClient = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _httpClient.Timeout = TimeSpan.FromSeconds(30);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The token endpoint, for logs: it holds no secret.</summary>
    public Uri TokenUri => _tokenUri;

    /// <summary>Client secret (<c>aadClientSecret</c>).</summary>
    public static ProxyTokenCredential WithSecret(ProxySettings proxy, string tenantId, string clientId, string clientSecret,
        HttpMessageHandler? handler = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientSecret);
        return new(proxy, tenantId, clientId, clientSecret, null, null, handler, timeProvider);
    }

    /// <summary>Client certificate: an RS256 assertion signed with its RSA key. Takes ownership of <paramref name="certificate"/>.</summary>
    public static ProxyTokenCredential WithCertificate(ProxySettings proxy, string tenantId, string clientId, X509Certificate2 certificate,
        HttpMessageHandler? handler = null, TimeProvider? timeProvider = null)
    {
        if (certificate.GetRSAPrivateKey() is not { } key)
        {
            throw new ArgumentException("the certificate has no RSA private key", nameof(certificate));
        }

        key.Dispose();
        return new(proxy, tenantId, clientId, null, certificate, null, handler, timeProvider);
    }

    /// <summary>Workload identity: the federated token in <paramref name="tokenFile"/>, read again for every request.</summary>
    public static ProxyTokenCredential WithFederatedTokenFile(ProxySettings proxy, string tenantId, string clientId, string tokenFile,
        HttpMessageHandler? handler = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenFile);
        return new(proxy, tenantId, clientId, null, null, tokenFile, handler, timeProvider);
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenCoreAsync(requestContext, async: false, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenCoreAsync(requestContext, async: true, cancellationToken);

    public void Dispose()
    {
        _httpClient.Dispose();
        _fetchLock.Dispose();
        _certificate?.Dispose();
    }

    private async ValueTask<AccessToken> GetTokenCoreAsync(TokenRequestContext context, bool async, CancellationToken cancellationToken)
    {
        string resource = ResourceOf(context);
        if (TryGetFresh(resource) is { } fresh)
        {
            return fresh;
        }

        if (async)
        {
            await _fetchLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _fetchLock.Wait(cancellationToken);
        }

        try
        {
            // Another caller may have fetched while this one waited.
            if (TryGetFresh(resource) is { } fetched)
            {
                return fetched;
            }

            try
            {
                AccessToken token = await FetchAsync(resource, async, cancellationToken).ConfigureAwait(false);
                _cached = new CachedToken(resource, token);
                return token;
            }
            catch (AuthenticationFailedException) when (
                _cached is { } cached && cached.Resource == resource && _timeProvider.GetUtcNow() < cached.Token.ExpiresOn)
            {
                return cached.Token;
            }
        }
        finally
        {
            _fetchLock.Release();
        }
    }

    private AccessToken? TryGetFresh(string resource)
    {
        CachedToken? cached = _cached;
        if (cached is not null && cached.Resource == resource &&
            _timeProvider.GetUtcNow() < cached.Token.ExpiresOn - RefreshMargin)
        {
            return cached.Token;
        }

        return null;
    }

    // AAD v1 takes a resource, not a scope: "https://vault.azure.net/.default" → "https://vault.azure.net".
    private static string ResourceOf(TokenRequestContext context)
    {
        if (context.Scopes is not [string scope])
        {
            throw new ArgumentException("exactly one scope is supported", nameof(context));
        }

        const string DefaultSuffix = "/.default";
        return (scope.EndsWith(DefaultSuffix, StringComparison.Ordinal) ? scope[..^DefaultSuffix.Length] : scope).TrimEnd('/');
    }

    private async ValueTask<AccessToken> FetchAsync(string resource, bool async, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>(6)
        {
            new("grant_type", "client_credentials"),
            new("client_id", _clientId),
            new("resource", resource),
        };
        if (_clientSecret is not null)
        {
            form.Add(new("client_secret", _clientSecret));
        }
        else
        {
            form.Add(new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
            form.Add(new("client_assertion", _certificate is not null ? CreateAssertion() : ReadAssertionFile()));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _tokenUri) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add(ProxySettings.TargetHeader, ProxySettings.ActiveDirectoryTarget);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        byte[] body;
        try
        {
            response = async
                ? await _httpClient.SendAsync(request, cancellationToken).ConfigureAwait(false)
                : _httpClient.Send(request, cancellationToken);
            using (response)
            {
                body = async
                    ? await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false)
                    : ReadAll(response.Content.ReadAsStream(cancellationToken));
            }
        }
        catch (HttpRequestException ex)
        {
            throw new TokenEndpointException($"token request to {_tokenUri} failed: {ex.Message}", 0, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TokenEndpointException($"token request to {_tokenUri} timed out", 0, ex);
        }

        try
        {
            int status = (int)response.StatusCode;
            if (status is < 200 or > 299)
            {
                string aad = AadTokenResponse.DescribeError(body);
                throw new TokenEndpointException(
                    $"token request to {_tokenUri} failed: HTTP {status}{(aad.Length == 0 ? "" : ", " + aad)}", status);
            }

            if (!AadTokenResponse.TryParseSuccess(body, _timeProvider.GetUtcNow(), out string accessToken, out DateTimeOffset expiresOn))
            {
                throw new AuthenticationFailedException(
                    $"token request to {_tokenUri} returned HTTP {status} without a usable access_token and expiry");
            }

            return new AccessToken(accessToken, expiresOn, refreshOn: expiresOn - RefreshMargin, tokenType: "Bearer");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private string ReadAssertionFile()
    {
        string token;
        try
        {
            token = File.ReadAllText(_assertionFile!).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuthenticationFailedException($"cannot read the federated token file {_assertionFile}: {ex.Message}", ex);
        }

        if (token.Length == 0)
        {
            throw new AuthenticationFailedException($"the federated token file {_assertionFile} is empty");
        }

        return token;
    }

    // RFC 7515 compact JWS, RS256 (RFC 7518 §3.3); the claims are those adal puts in its assertion (RFC 7523 §3),
    // with a 10-minute lifetime instead of adal's 24 hours.
    //   header  {"alg":"RS256","typ":"JWT","x5t":b64url(SHA-1(cert DER)),"x5c":[b64(cert DER)]}
    //   claims  {"aud":token URL,"iss":clientId,"sub":clientId,"jti":random,"nbf":now,"exp":now+600}
    private string CreateAssertion()
    {
        X509Certificate2 certificate = _certificate!;
        byte[] der = certificate.RawData;
        long now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();

        var header = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(header))
        {
            writer.WriteStartObject();
            writer.WriteString("alg"u8, "RS256"u8);
            writer.WriteString("typ"u8, "JWT"u8);
            // RFC 7515 §4.1.7: x5t is the SHA-1 thumbprint; it names the certificate, it secures nothing.
#pragma warning disable CA5350
            writer.WriteString("x5t"u8, Base64Url.EncodeToString(SHA1.HashData(der)));
#pragma warning restore CA5350
            writer.WriteStartArray("x5c"u8);
            writer.WriteBase64StringValue(der);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var claims = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(claims))
        {
            writer.WriteStartObject();
            writer.WriteString("aud"u8, _tokenUri.AbsoluteUri);
            writer.WriteString("iss"u8, _clientId);
            writer.WriteString("sub"u8, _clientId);
            writer.WriteString("jti"u8, Guid.NewGuid().ToString("D"));
            writer.WriteNumber("nbf"u8, now);
            writer.WriteNumber("exp"u8, now + (long)s_assertionLifetime.TotalSeconds);
            writer.WriteEndObject();
        }

        string signingInput = Base64Url.EncodeToString(header.WrittenSpan) + "." + Base64Url.EncodeToString(claims.WrittenSpan);
        using RSA key = certificate.GetRSAPrivateKey()!;
        byte[] signature = key.SignData(System.Text.Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
