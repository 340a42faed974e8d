using Azure.Identity;
using Grpc.Core;
using KmsNative.Backend;
using KmsNative.KeyVault.Client;
using KmsNative.KeyVault.Credentials;
using Microsoft.Identity.Client;

namespace KmsNative.Tests.Backend;

/// <summary>Credential and Key Vault failures as kube-apiserver sees them (issue #8 item 6).</summary>
public sealed class KeyVaultErrorsTests
{
    private const string Secret = "s3cr3t-Value~that-must-not-leak";

    private static AuthenticationFailedException AadFailure(int status, string error, string aadsts) => new(
        $"ClientSecretCredential authentication failed: {aadsts}\nSee the troubleshooting guide. client_secret={Secret}",
        new MsalServiceException(error, $"{aadsts} Trace ID: 1111 client_secret={Secret}", status, null));

    [Fact]
    public void ToRpcException_RefusedIdentity_Unauthenticated_WithAadstsCodeAndStatus_NeverTheSecret()
    {
        RpcException error = KeyVaultErrors.ToRpcException(
            AadFailure(401, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret is right."), CancellationToken.None);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("getting a token for Key Vault failed: ClientSecretCredential: HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided.", error.Status.Detail);
        Assert.DoesNotContain(Secret, error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    public void ToRpcException_TokenEndpointOutage_Unavailable(int status)
    {
        RpcException error = KeyVaultErrors.ToRpcException(AadFailure(status, "temporarily_unavailable", "AADSTS90033: A transient error has occurred."), CancellationToken.None);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains($"HTTP {status}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("AADSTS90033", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ToRpcException_TokenEndpointUnreachable_Unavailable()
    {
        RpcException error = KeyVaultErrors.ToRpcException(new TokenEndpointException("token request failed: no response", 0), CancellationToken.None);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("no HTTP response", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(0, StatusCode.Unavailable)]
    [InlineData(400, StatusCode.InvalidArgument)]
    [InlineData(404, StatusCode.FailedPrecondition)]
    public void ToRpcException_KeyVaultStatus_MapsToTheCodeKubeApiserverShouldSee(int status, StatusCode expected)
    {
        var failure = new KeyVaultException($"Key Vault decrypt of key k/v failed: HTTP {status}", status, null, "req-1");
        Assert.Equal(expected, KeyVaultErrors.ToRpcException(failure, CancellationToken.None).StatusCode);
    }
}
