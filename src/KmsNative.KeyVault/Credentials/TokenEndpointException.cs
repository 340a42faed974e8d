using Azure.Identity;

namespace KmsNative.KeyVault.Credentials;

/// <summary>
/// Our own token credential's failure (proxy mode, workload identity): an <see cref="AuthenticationFailedException"/>,
/// as Azure.Identity's credentials throw, that also carries the token endpoint's HTTP status (0: no response), so an
/// outage of the endpoint is told apart from a refused identity.
/// </summary>
internal sealed class TokenEndpointException(string message, int status, Exception? innerException = null)
    : AuthenticationFailedException(message, innerException)
{
    public int Status { get; } = status;
}
