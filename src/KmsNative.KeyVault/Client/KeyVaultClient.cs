using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace KmsNative.KeyVault.Client;

/// <summary>
/// A thin client of the Key Vault keys REST API on Azure.Core's <see cref="HttpPipeline"/>: bearer tokens from any
/// <see cref="TokenCredential"/>, Azure.Core's retries and transport, JSON through a source-generated context.
/// Thread-safe. Only what the plugin needs: get a key (health), list its versions (rotation), encrypt and decrypt.
/// </summary>
internal sealed class KeyVaultClient
{
    private readonly Uri _vaultUri;
    private readonly HttpPipeline _pipeline;
    private readonly string _apiVersion;

    /// <param name="vaultUri">The vault (or Managed HSM, or proxy) base URL, ending in '/'.</param>
    /// <param name="scope">The token scope: the cloud's Key Vault resource followed by "/.default".</param>
    public KeyVaultClient(Uri vaultUri, TokenCredential credential, string scope, KeyVaultClientOptions options, HttpPipelineTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _vaultUri = vaultUri.AbsoluteUri.EndsWith('/') ? vaultUri : new Uri(vaultUri.AbsoluteUri + "/");
        _apiVersion = options.ApiVersion;
        options.Transport = transport ?? KeyVaultClientOptions.CreateTransport();

        var perRetry = new List<HttpPipelinePolicy>();
        if (options.Throttled is { } throttled)
        {
            perRetry.Add(new ThrottleSignalPolicy(throttled));
        }

        if (options.ProxyTarget is { } target)
        {
            perRetry.Add(new ProxyBearerTokenPolicy(credential, scope, options.Time));
            perRetry.Add(new ProxyTargetPolicy(target));
        }
        else
        {
            perRetry.Add(new KeyVaultBearerTokenPolicy(credential, scope, options.Time));
        }

        _pipeline = HttpPipelineBuilder.Build(options, perCallPolicies: [], perRetryPolicies: [.. perRetry], new ResponseClassifier());
    }

    public Uri VaultUri => _vaultUri;

    public async Task<KeyBundle> GetKeyAsync(string name, string version, CancellationToken cancellationToken)
    {
        using HttpMessage message = CreateMessage(RequestMethod.Get, $"keys/{Escape(name)}/{Escape(version)}", null);
        await SendAsync(message, "get key", name, version, cancellationToken).ConfigureAwait(false);
        return Read(message, KeyVaultJsonContext.Default.KeyBundle, "get key", name, version);
    }

    /// <summary>Every version of a key, following nextLink pages.</summary>
    public async Task<IReadOnlyList<KeyItem>> ListKeyVersionsAsync(string name, CancellationToken cancellationToken)
    {
        var items = new List<KeyItem>();
        string? next = null;
        do
        {
            using HttpMessage message = next is null
                ? CreateMessage(RequestMethod.Get, $"keys/{Escape(name)}/versions", null)
                : CreateMessage(RequestMethod.Get, new Uri(next));
            await SendAsync(message, "list key versions", name, "", cancellationToken).ConfigureAwait(false);
            KeyListResult page = Read(message, KeyVaultJsonContext.Default.KeyListResult, "list key versions", name, "");
            items.AddRange(page.Value ?? []);
            next = string.IsNullOrEmpty(page.NextLink) ? null : page.NextLink;
        }
        while (next is not null);

        return items;
    }

    public Task<KeyOperationResult> EncryptAsync(string name, string version, string algorithm, ReadOnlySpan<byte> plaintext, CancellationToken cancellationToken) =>
        OperateAsync("encrypt", name, version, algorithm, Base64UrlCodec.Encode(plaintext), cancellationToken);

    /// <param name="ciphertext">The base64url text as Key Vault produced it (the Go plugin passes etcd's bytes through unchanged).</param>
    public Task<KeyOperationResult> DecryptAsync(string name, string version, string algorithm, string ciphertext, CancellationToken cancellationToken) =>
        OperateAsync("decrypt", name, version, algorithm, ciphertext, cancellationToken);

    private async Task<KeyOperationResult> OperateAsync(string operation, string name, string version, string algorithm, string value, CancellationToken cancellationToken)
    {
        // The request of encrypt and the response of decrypt carry a DEK (base64url): zero the byte
        // copies we can reach once they are used. The .NET strings (value, result.Value) cannot be zeroed.
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new KeyOperationRequest { Algorithm = algorithm, Value = value }, KeyVaultJsonContext.Default.KeyOperationRequest);
        using HttpMessage message = CreateMessage(RequestMethod.Post, $"keys/{Escape(name)}/{Escape(version)}/{operation}", body);
        KeyOperationResponse result;
        try
        {
            await SendAsync(message, operation, name, version, cancellationToken).ConfigureAwait(false);
            result = Read(message, KeyVaultJsonContext.Default.KeyOperationResponse, operation, name, version);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
            if (message.HasResponse)
            {
                CryptographicOperations.ZeroMemory(MemoryMarshal.AsMemory(message.Response.Content.ToMemory()).Span);
            }
        }

        if (string.IsNullOrEmpty(result.KeyId) || result.Value is null)
        {
            throw Failure(operation, name, version, message.Response, "the response has no kid or value");
        }

        Response response = message.Response;
        return new KeyOperationResult(result.KeyId, result.Value, Header(response, "Date"), Header(response, "x-ms-request-id"), Header(response, "x-ms-keyvault-region"));
    }

    private HttpMessage CreateMessage(RequestMethod method, string relativePath, byte[]? body)
    {
        var uri = new Uri(_vaultUri, relativePath + "?api-version=" + _apiVersion);
        HttpMessage message = CreateMessage(method, uri);
        if (body is not null)
        {
            message.Request.Headers.SetValue("Content-Type", "application/json");
            message.Request.Content = RequestContent.Create(body);
        }

        return message;
    }

    private HttpMessage CreateMessage(RequestMethod method, Uri uri)
    {
        HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.SetValue("Accept", "application/json");
        return message;
    }

    private async Task SendAsync(HttpMessage message, string operation, string name, string version, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // No response at all: connection refused, TLS or DNS failure, retries exhausted on network errors.
            throw new KeyVaultException(
                $"Key Vault {operation} of key {Describe(name, version)} at {_vaultUri} failed: no response ({ex.InnerException?.Message ?? ex.Message})",
                status: 0, errorCode: null, requestId: null, ex);
        }
        catch (AggregateException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Azure.Core's RetryPolicy throws AggregateException ("Retry failed after N tries") when every attempt
            // ended without a response (connection reset, dropped connection): still "no response", not an internal error.
            throw new KeyVaultException(
                $"Key Vault {operation} of key {Describe(name, version)} at {_vaultUri} failed: no response after {ex.InnerExceptions.Count} attempts ({ex.InnerExceptions[^1].Message})",
                status: 0, errorCode: null, requestId: null, ex);
        }

        if (message.Response.IsError)
        {
            throw Failure(operation, name, version, message.Response, null);
        }
    }

    private T Read<T>(HttpMessage message, JsonTypeInfo<T> type, string operation, string name, string version)
    {
        try
        {
            return JsonSerializer.Deserialize(message.Response.Content.ToMemory().Span, type)
                ?? throw Failure(operation, name, version, message.Response, "the response body is empty");
        }
        catch (JsonException)
        {
            throw Failure(operation, name, version, message.Response, "the response is not valid JSON");
        }
    }

    private KeyVaultException Failure(string operation, string name, string version, Response response, string? problem)
    {
        string? requestId = Header(response, "x-ms-request-id");
        string? code = null;
        string? serviceMessage = problem;
        if (problem is null)
        {
            try
            {
                KeyVaultError? error = JsonSerializer.Deserialize(response.Content.ToMemory().Span, KeyVaultJsonContext.Default.KeyVaultErrorResponse)?.Error;
                for (KeyVaultError? inner = error; inner is not null; inner = inner.InnerError)
                {
                    code = inner.Code ?? code;
                }

                serviceMessage = error?.Message;
            }
            catch (JsonException)
            {
                // Not Key Vault's JSON error shape (a proxy or load balancer answered): the status says enough.
            }
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Key Vault {operation} of key {Describe(name, version)} at {_vaultUri} failed: HTTP {response.Status}");
        if (!string.IsNullOrEmpty(response.ReasonPhrase))
        {
            text.Append(' ').Append(response.ReasonPhrase);
        }

        if (code is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $", code {code}");
        }

        if (!string.IsNullOrEmpty(serviceMessage))
        {
            text.Append(CultureInfo.InvariantCulture, $": {serviceMessage}");
        }

        text.Append(CultureInfo.InvariantCulture, $" (x-ms-request-id {requestId ?? "none"})");
        return new KeyVaultException(text.ToString(), response.Status, code, requestId);
    }

    private static string Describe(string name, string version) => version.Length == 0 ? name : $"{name}/{version}";

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string? Header(Response response, string name) => response.Headers.TryGetValue(name, out string? value) ? value : null;

    /// <summary>Adds x-azure-proxy-target to every attempt, as the Go plugin's autorest RequestInspector does.</summary>
    private sealed class ProxyTargetPolicy(string target) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.SetValue("x-azure-proxy-target", target);
    }
}
