using Azure.Core;
using Azure.Core.Pipeline;

namespace KmsNative.KeyVault.Client;

/// <summary>
/// Bearer tokens over plain HTTP, for proxy mode only: the Go plugin sends Key Vault requests to the AKS proxy as
/// http://{proxy}/{vault-host}/…, and Azure.Core's <see cref="BearerTokenAuthenticationPolicy"/> refuses non-TLS
/// endpoints. Caches the token and renews it 5 minutes before it expires (as adal did for the Go plugin). A 401 drops
/// the cached token and tries once more with a fresh one, as <see cref="KeyVaultBearerTokenPolicy"/> does.
/// </summary>
#pragma warning disable CA1001 // the semaphore never creates its wait handle, so there is nothing to dispose; the pipeline lives as long as the process
internal sealed class ProxyBearerTokenPolicy : HttpPipelinePolicy
#pragma warning restore CA1001
{
    private static readonly TimeSpan s_renewBefore = TimeSpan.FromMinutes(5);

    private readonly TokenCredential _credential;
    private readonly TokenRequestContext _context;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private AccessToken _token;

    public ProxyBearerTokenPolicy(TokenCredential credential, string scope, TimeProvider time)
    {
        _credential = credential;
        _time = time;
        _context = new TokenRequestContext([scope]);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        AccessToken token = await GetTokenAsync(message.CancellationToken).ConfigureAwait(false);
        message.Request.Headers.SetValue(HttpHeader.Names.Authorization, "Bearer " + token.Token);
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        if (message.Response.Status == 401)
        {
            token = await RefreshAsync(token, message).ConfigureAwait(false);
            message.Request.Headers.SetValue(HttpHeader.Names.Authorization, "Bearer " + token.Token);
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
    }

    // Replaces the refused token unless a concurrent 401 already did.
    private async ValueTask<AccessToken> RefreshAsync(AccessToken refused, HttpMessage message)
    {
        await _refresh.WaitAsync(message.CancellationToken).ConfigureAwait(false);
        try
        {
            if (_token.Token is null || _token.Token == refused.Token)
            {
                _token = await _credential.GetTokenAsync(
                    KeyVaultBearerTokenPolicy.ForceRefresh([.. _context.Scopes], message.Request.ClientRequestId, _time), message.CancellationToken).ConfigureAwait(false);
            }

            return _token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    private async ValueTask<AccessToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        AccessToken current = _token;
        if (IsFresh(current))
        {
            return current;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsFresh(_token))
            {
                _token = await _credential.GetTokenAsync(_context, cancellationToken).ConfigureAwait(false);
            }

            return _token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private bool IsFresh(AccessToken token) => token.Token is not null && token.ExpiresOn - _time.GetUtcNow() > s_renewBefore;
}
