using System.Text;
using KmsNative.KeyVault.Configuration;
using KmsNative.KeyVault.Credentials;

namespace KmsNative.KeyVault.Tests.Credentials;

public class AadTokenResponseTests
{
    private static readonly DateTimeOffset s_now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("""{"access_token":"a","expires_on":"1893459600"}""", 3600)]
    [InlineData("""{"access_token":"a","expires_on":1893459600,"expires_in":"60"}""", 3600)]
    [InlineData("""{"expires_in":"120","access_token":"a"}""", 120)]
    [InlineData("""{"expires_in":120,"x":{"y":[1,2]},"access_token":"a"}""", 120)]
    public void TryParseSuccess_V1AndNumbers(string json, int seconds)
    {
        Assert.True(AadTokenResponse.TryParseSuccess(Encoding.UTF8.GetBytes(json), s_now, out string token, out DateTimeOffset expiresOn));
        Assert.Equal("a", token);
        Assert.Equal(s_now.AddSeconds(seconds), expiresOn);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"access_token":"","expires_in":60}""")]
    [InlineData("""{"access_token":{"a":1},"expires_in":60}""")]
    [InlineData("""{"access_token":"a","expires_in":"-5"}""")]
    [InlineData("""{"access_token":"a","expires_on":"later"}""")]
    public void TryParseSuccess_Unusable_False(string json)
    {
        Assert.False(AadTokenResponse.TryParseSuccess(Encoding.UTF8.GetBytes(json), s_now, out _, out _));
    }

    [Theory]
    [InlineData("""{"error":"invalid_client","error_codes":[7000215, 1]}""", "AAD error invalid_client AADSTS7000215")]
    [InlineData("""{"error_codes":[{"x":1}, 700016],"error":"unauthorized_client"}""", "AAD error unauthorized_client AADSTS700016")]
    [InlineData("""{"error":"not a code: secret"}""", "")]
    [InlineData("""{"error":{"nested":"x"},"error_codes":"x"}""", "")]
    [InlineData("<html/>", "")]
    public void DescribeError_OnlySafeParts(string json, string expected)
    {
        Assert.Equal(expected, AadTokenResponse.DescribeError(Encoding.UTF8.GetBytes(json)));
    }
}
