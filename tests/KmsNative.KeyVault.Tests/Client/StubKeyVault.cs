using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using KmsNative.KeyVault.Client;

namespace KmsNative.KeyVault.Tests.Client;

/// <summary>
/// A Key Vault stand-in behind HttpClient: real RSA with one local key, the service's JSON shapes and headers,
/// and knobs for failures. Records every request so tests can check what went on the wire.
/// </summary>
internal sealed class StubKeyVault : HttpMessageHandler
{
    private readonly Dictionary<string, (RSA Rsa, long Created)> _versions = new(StringComparer.Ordinal);

    private HttpClient? _http;

    public StubKeyVault() => _versions["ABCD"] = (Rsa, 1700000000);

    /// <summary>
    /// A <see cref="KeyVaultClient"/> for <paramref name="vaultUrl"/> whose requests this stub answers, with a static
    /// token; no retries unless <paramref name="options"/> says otherwise. Disposed with the stub.
    /// </summary>
    public KeyVaultClient CreateClient(Uri vaultUrl, KeyVaultClientOptions? options = null)
    {
        _http ??= new HttpClient(this, disposeHandler: false);
        return new KeyVaultClient(vaultUrl, new StaticTokenCredential(), "https://vault.azure.net/.default",
            options ?? new KeyVaultClientOptions("0.1.0") { Retry = { MaxRetries = 0 } }, new HttpClientTransport(_http));
    }

    /// <summary>The private key of version "ABCD", the one every stub starts with.</summary>
    public RSA Rsa { get; } = RSA.Create(2048);

    /// <summary>Creates a newer version (as Key Vault's rotate), which becomes <see cref="Version"/>.</summary>
    public RSA AddVersion(string version)
    {
        var rsa = RSA.Create(2048);
        lock (_versions)
        {
            _versions[version] = (rsa, _versions.Values.Max(v => v.Created) + 60);
        }

        Version = version;
        return rsa;
    }

    /// <summary>When set, list versions fails with this status.</summary>
    public HttpStatusCode? ListFailure { get; set; }

    public string KidBase { get; set; } = "https://example.vault.azure.net/keys/mykey/";

    public string Version { get; set; } = "ABCD";

    public List<(HttpMethod Method, string Uri, string Body, string? Authorization, string? ProxyTarget)> Requests { get; } = [];

    /// <summary>When set, answers every request with this status and Key Vault error body.</summary>
    public (HttpStatusCode Status, string Code, string Message)? Failure { get; set; }

    /// <summary>How many requests <see cref="Failure"/> answers before the vault works again (default: all).</summary>
    public int FailuresLeft { get => Volatile.Read(ref _failuresLeft); set => Volatile.Write(ref _failuresLeft, value); }

    private int _failuresLeft = int.MaxValue;

    /// <summary>A Retry-After header value on <see cref="Failure"/> answers.</summary>
    public string? RetryAfter { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>When true, no request is answered until its caller gives up (a vault that has stopped answering).</summary>
    public bool Hang { get; set; }

    /// <summary>When set, requests wait (after being recorded) until it completes: holds calls in flight.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Key Vault requests by operation: "get", "encrypt", "decrypt", … (the last path segment of a POST).</summary>
    public int Count(string operation) => Requests.Count(r =>
        operation == "get" ? r.Method == HttpMethod.Get : r.Method == HttpMethod.Post && r.Uri.Contains("/" + operation + "?", StringComparison.Ordinal));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request.Method, request.RequestUri!.ToString(), body, request.Headers.Authorization?.ToString(),
                request.Headers.TryGetValues("x-azure-proxy-target", out var target) ? target.Single() : null));
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (Failure is { } failure && Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            HttpResponseMessage failed = Json(failure.Status, $$$"""{"error":{"code":"{{{failure.Code}}}","message":"{{{failure.Message}}}"}}""");
            if (failure.Status == HttpStatusCode.Unauthorized)
            {
                // Key Vault's challenge on every 401.
                failed.Headers.TryAddWithoutValidation("WWW-Authenticate", "Bearer authorization=\"https://login.microsoftonline.com/tenant\", resource=\"https://vault.azure.net\"");
            }

            if (RetryAfter is { } retryAfter)
            {
                failed.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
            }

            return failed;
        }

        string path = request.RequestUri.AbsolutePath;
        string[] all = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string[] segments = all[Math.Max(0, Array.IndexOf(all, "keys"))..]; // keys, name, version[, operation] (after a proxy's host segment)
        if (request.Method == HttpMethod.Get && segments.Length >= 3 && segments[^1] == "versions")
        {
            if (ListFailure is { } listFailure)
            {
                return Json(listFailure, """{"error":{"code":"Forbidden","message":"list refused"}}""");
            }

            string items;
            lock (_versions)
            {
                items = string.Join(',', _versions.Select(v =>
                    $$$"""{"kid":"{{{KidBase}}}{{{v.Key}}}","attributes":{"enabled":true,"created":{{{v.Value.Created}}}}}"""));
            }

            return Json(HttpStatusCode.OK, $$$"""{"value":[{{{items}}}],"nextLink":null}""");
        }

        string version = segments.Length >= 3 ? segments[2] : Version;
        RSA rsa;
        lock (_versions)
        {
            if (!_versions.TryGetValue(version, out var entry))
            {
                return Json(HttpStatusCode.NotFound, """{"error":{"code":"KeyNotFound","message":"A key with (name/id) mykey was not found in this key vault."}}""");
            }

            rsa = entry.Rsa;
        }

        if (request.Method == HttpMethod.Get)
        {
            RSAParameters p = rsa.ExportParameters(false);
            return Json(HttpStatusCode.OK, $$$"""
                {"key":{"kid":"{{{KidBase}}}{{{version}}}","kty":"RSA","key_ops":["encrypt","decrypt","wrapKey","unwrapKey"],
                 "n":"{{{B64(p.Modulus!)}}}","e":"{{{B64(p.Exponent!)}}}"},
                 "attributes":{"enabled":{{{(Enabled ? "true" : "false")}}},"created":1700000000,"updated":1700000000}}
                """);
        }

        using JsonDocument json = JsonDocument.Parse(body);
        string alg = json.RootElement.GetProperty("alg").GetString()!;
        string value = json.RootElement.GetProperty("value").GetString()!;
        RSAEncryptionPadding padding = alg switch
        {
            "RSA1_5" => RSAEncryptionPadding.Pkcs1,
            "RSA-OAEP" => RSAEncryptionPadding.OaepSHA1,
            "RSA-OAEP-256" => RSAEncryptionPadding.OaepSHA256,
            _ => throw new InvalidOperationException(alg),
        };
        byte[] input = System.Buffers.Text.Base64Url.DecodeFromChars(value);
        byte[] output;
        try
        {
            bool encrypts = path.EndsWith("/encrypt", StringComparison.Ordinal) || path.EndsWith("/wrapkey", StringComparison.Ordinal);
            output = encrypts ? rsa.Encrypt(input, padding) : rsa.Decrypt(input, padding);
        }
        catch (CryptographicException)
        {
            return Json(HttpStatusCode.BadRequest, """{"error":{"code":"BadParameter","message":"The parameter is incorrect."}}""");
        }

        HttpResponseMessage response = Json(HttpStatusCode.OK, $$$"""{"kid":"{{{KidBase}}}{{{version}}}","value":"{{{B64(output)}}}"}""");
        response.Headers.Add("x-ms-keyvault-region", "westeurope");
        return response;
    }

    public static string B64(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static HttpResponseMessage Json(HttpStatusCode status, string json)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        response.Headers.Add("x-ms-request-id", "req-" + Guid.NewGuid().ToString("N")[..8]);
        response.Headers.Date = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        return response;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _http?.Dispose();
            foreach ((RSA rsa, _) in _versions.Values)
            {
                rsa.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

internal sealed class StaticTokenCredential(string token = "test-token") : TokenCredential
{
    public int Requests { get; private set; }

    /// <summary>Requests that carried claims (a forced refresh).</summary>
    public int ClaimsRequests { get; private set; }

    /// <summary>The claims of the last request that carried any.</summary>
    public string? LastClaims { get; private set; }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Requests++;
        if (requestContext.Claims is not null)
        {
            ClaimsRequests++;
            LastClaims = requestContext.Claims;
        }

        return new AccessToken(token + (Requests == 1 ? "" : "-" + Requests), DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
