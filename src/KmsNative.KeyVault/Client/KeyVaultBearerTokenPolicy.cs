using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace KmsNative.KeyVault.Client;

/// <summary>
/// Azure.Core's bearer policy, plus: a 401 from Key Vault (a token revoked, or its identity's access changed) gets one
/// fresh token and one more try, instead of the cached token being sent again until it expires. Azure.Core resends at
/// most once per attempt after a challenge, so a vault that keeps refusing costs one extra request, not a loop.
/// Continuous-access-evaluation challenges (claims in WWW-Authenticate) are still handled by the base class first.
/// </summary>
internal sealed class KeyVaultBearerTokenPolicy(TokenCredential credential, string scope, TimeProvider time) : BearerTokenAuthenticationPolicy(credential, scope)
{
    private readonly string[] _scopes = [scope];

    protected override async ValueTask<bool> AuthorizeRequestOnChallengeAsync(HttpMessage message)
    {
        if (await base.AuthorizeRequestOnChallengeAsync(message).ConfigureAwait(false))
        {
            return true;
        }

        // A new token request context (it carries claims) makes the base class's token cache fetch again, and the
        // claims make MSAL skip its own cache: the only way Azure.Identity offers to force a fresh token.
        await AuthenticateAndAuthorizeRequestAsync(message, ForceRefresh(_scopes, message.Request.ClientRequestId, time)).ConfigureAwait(false);
        return true;
    }

    protected override bool AuthorizeRequestOnChallenge(HttpMessage message) =>
        AuthorizeRequestOnChallengeAsync(message).AsTask().GetAwaiter().GetResult();

    /// <summary>A context that no cache answers: a claims challenge asking for a token issued from now on (nbf).</summary>
    public static TokenRequestContext ForceRefresh(string[] scopes, string? parentRequestId, TimeProvider time) =>
        new(scopes, parentRequestId, claims: string.Create(CultureInfo.InvariantCulture,
            $$$$"""{"access_token":{"nbf":{"essential":true,"value":"{{{{time.GetUtcNow().ToUnixTimeSeconds()}}}}"}}}"""));
}
