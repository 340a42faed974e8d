using Azure.Identity;
using Grpc.Core;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Credentials;

namespace KmsNative.Backend;

/// <summary>
/// Maps Key Vault and credential failures to the gRPC code kube-apiserver should see (the Go plugin returns
/// UNKNOWN for everything). The message is the client's, which names the operation, key, HTTP status, Key Vault's
/// error code and request id, and never a token, secret or plaintext.
/// </summary>
internal static class KeyVaultErrors
{
    public static RpcException ToRpcException(Exception exception, CancellationToken cancellationToken)
    {
        return exception switch
        {
            RpcException rpc => rpc,
            OperationCanceledException when cancellationToken.IsCancellationRequested =>
                new RpcException(new Status(StatusCode.DeadlineExceeded, "the call's deadline expired while waiting for Key Vault")),
            KeyVaultException kv => new RpcException(new Status(Classify(kv), kv.Message)),
            CredentialUnavailableException unavailable => new RpcException(new Status(StatusCode.Unauthenticated, "no token for Key Vault: " + FirstLine(unavailable.Message))),
            AuthenticationFailedException auth => FromTokenFailure(TokenFailure.Describe(auth)),
            _ => new RpcException(new Status(StatusCode.Internal, "Key Vault call failed: " + exception.GetType().Name)),
        };
    }

    public static StatusCode Classify(KeyVaultException exception)
    {
        string code = exception.ErrorCode ?? "";
        string message = exception.Message;
        return exception.Status switch
        {
            0 => StatusCode.Unavailable,
            401 => StatusCode.Unauthenticated,
            // A disabled, expired or not-yet-valid key is a state of the key, not a missing permission.
            403 when IsKeyState(code, message) => StatusCode.FailedPrecondition,
            403 => StatusCode.PermissionDenied,
            404 => StatusCode.FailedPrecondition,
            400 or 422 => StatusCode.InvalidArgument,
            408 or 429 or >= 500 => StatusCode.Unavailable,
            409 => StatusCode.FailedPrecondition,
            _ => StatusCode.Unknown,
        };
    }

    private static bool IsKeyState(string code, string message) =>
        code.Contains("Disabled", StringComparison.OrdinalIgnoreCase) || code.Contains("Expired", StringComparison.OrdinalIgnoreCase)
        || message.Contains("disabled", StringComparison.OrdinalIgnoreCase) || message.Contains("expired", StringComparison.OrdinalIgnoreCase)
        || message.Contains("not yet valid", StringComparison.OrdinalIgnoreCase);

    // An unreachable or failing token endpoint is an outage (UNAVAILABLE: kube-apiserver retries); a refused identity
    // is UNAUTHENTICATED.
    private static RpcException FromTokenFailure(TokenFailure failure) => new(new Status(
        failure.Transient ? StatusCode.Unavailable : StatusCode.Unauthenticated, "getting a token for Key Vault failed: " + failure.Description));

    // MSAL's messages run to several lines of troubleshooting links; the first says what happened.
    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim();
    }
}
