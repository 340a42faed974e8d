using System.Net.Http;
using Azure;
using Azure.Identity;
using KmsNative.KeyVault.Credentials;
using Microsoft.Identity.Client;

namespace KmsNative.KeyVault.Tests.Credentials;

/// <summary>What an operator reads when no token could be had: the AADSTS code and HTTP status, never a secret.</summary>
public sealed class TokenFailureTests
{
    private const string Secret = "s3cr3t-Value~that-must-not-leak";

    // MSAL's shape: the credential's first line, the cause on later lines with links (here also the secret, as a
    // stand-in for anything past the first sentence that must not reach the message).
    private static AuthenticationFailedException ClientSecretFailure(int status, string error, string aadsts) => new(
        $"ClientSecretCredential authentication failed: {aadsts}\nTrace ID: 0000\nSee the troubleshooting guide. client_secret={Secret}",
        new MsalServiceException(error, $"{aadsts} Trace ID: 1111 Correlation ID: 2222 client_secret={Secret}", status, null));

    [Fact]
    public void Describe_InvalidClientSecret_NamesCredentialStatusErrorAndAadstsSentence_NotTheSecret()
    {
        TokenFailure failure = TokenFailure.Describe(ClientSecretFailure(401, "invalid_client",
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value."));

        Assert.False(failure.Transient);
        Assert.Equal("ClientSecretCredential: HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided.", failure.Description);
        Assert.DoesNotContain(Secret, failure.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(408)]
    public void Describe_TokenEndpointOutage_IsTransient(int status)
    {
        TokenFailure failure = TokenFailure.Describe(ClientSecretFailure(status, "temporarily_unavailable", "AADSTS90033: A transient error has occurred. Please try again."));

        Assert.True(failure.Transient);
        Assert.Contains($"HTTP {status}", failure.Description, StringComparison.Ordinal);
        Assert.Contains("AADSTS90033", failure.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_EndpointUnreachable_IsTransient()
    {
        var exception = new AuthenticationFailedException("ManagedIdentityCredential authentication failed: connection refused",
            new HttpRequestException("Connection refused (169.254.169.254:80)"));

        TokenFailure failure = TokenFailure.Describe(exception);

        Assert.True(failure.Transient);
        Assert.Equal("ManagedIdentityCredential: the token endpoint could not be reached: Connection refused (169.254.169.254:80)", failure.Description);
    }

    [Fact]
    public void Describe_OurTokenEndpointException_CarriesItsStatus()
    {
        TokenFailure refused = TokenFailure.Describe(new TokenEndpointException("token request failed: AADSTS700016: Application not found. More text.", 400));
        TokenFailure outage = TokenFailure.Describe(new TokenEndpointException("token request failed: bad gateway", 502));

        Assert.False(refused.Transient);
        Assert.Equal("token request: HTTP 400: AADSTS700016: Application not found.", refused.Description);
        Assert.True(outage.Transient);
        Assert.Contains("HTTP 502", outage.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_RequestFailedWithoutResponse_IsTransient()
    {
        var exception = new AuthenticationFailedException("WorkloadIdentityCredential authentication failed",
            new RequestFailedException(0, "no response from the token endpoint"));

        TokenFailure failure = TokenFailure.Describe(exception);

        Assert.True(failure.Transient);
        Assert.Contains("no HTTP response", failure.Description, StringComparison.Ordinal);
    }
}
