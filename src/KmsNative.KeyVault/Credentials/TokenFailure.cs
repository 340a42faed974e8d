using System.Text.RegularExpressions;
using Azure;
using Azure.Identity;
using Microsoft.Identity.Client;

namespace KmsNative.KeyVault.Credentials;

/// <summary>
/// What went wrong when no token could be had, in one line an operator can act on: the credential, the token
/// endpoint's HTTP status, the OAuth error and Entra ID's AADSTS code with its first sentence. MSAL's own message
/// starts with "ClientSecretCredential authentication failed:" and puts the cause on later lines, with
/// troubleshooting links; the status and codes are on the inner exception. Never contains the secret or the token:
/// Entra ID's descriptions name the application and tenant, not credentials.
/// </summary>
internal readonly partial record struct TokenFailure(bool Transient, string Description)
{
    public static TokenFailure Describe(Exception exception)
    {
        string credential = CredentialName(exception.Message);
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case MsalServiceException msal:
                    return FromHttp(credential, msal.StatusCode, msal.ErrorCode, msal.Message);
                case RequestFailedException failed:
                    return FromHttp(credential, failed.Status, failed.ErrorCode, failed.Message);
                case TokenEndpointException endpoint:
                    return FromHttp(credential, endpoint.Status, null, endpoint.Message);
                case HttpRequestException or TimeoutException or TaskCanceledException:
                    return new TokenFailure(Transient: true, $"{credential}: the token endpoint could not be reached: {FirstLine(inner.Message)}");
                case MsalClientException client:
                    return new TokenFailure(Transient: false, $"{credential}: {client.ErrorCode}: {FirstSentence(client.Message)}");
            }
        }

        return new TokenFailure(Transient: false, $"{credential}: {FirstLine(exception.Message)}");
    }

    /// <param name="status">0 when no HTTP response was received.</param>
    private static TokenFailure FromHttp(string credential, int status, string? error, string message)
    {
        // RFC 6749 errors from a broken endpoint are outages, not identity problems: retrying later can succeed.
        bool transient = status is 0 or 408 or 429 or >= 500;
        string aadsts = AadstsCode().Match(message) is { Success: true } match ? FirstSentence(message[match.Index..]) : FirstLine(message);
        string http = status == 0 ? "no HTTP response" : $"HTTP {status}";
        string code = string.IsNullOrEmpty(error) ? "" : $" {error}";
        return new TokenFailure(transient, $"{credential}: {http}{code}: {aadsts}");
    }

    private static string CredentialName(string message)
    {
        int space = message.IndexOf(' ', StringComparison.Ordinal);
        string first = space < 0 ? message : message[..space];
        return first.EndsWith("Credential", StringComparison.Ordinal) ? first : "token request";
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim();
    }

    // "AADSTS7000215: Invalid client secret provided. Ensure the secret … Trace ID: …": the code and what happened.
    private static string FirstSentence(string message)
    {
        string line = FirstLine(message);
        int end = line.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? line : line[..(end + 1)];
    }

    [GeneratedRegex(@"AADSTS\d+")]
    private static partial Regex AadstsCode();
}
