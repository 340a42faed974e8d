using KmsNative.KeyVault.Configuration;

namespace KmsNative.KeyVault.Tests.Configuration;

public class ProxySettingsTests
{
    [Fact]
    public void GetProxiedVaultUri_GoPluginTestVector()
    {
        // TestNewKeyVaultClient "no error with proxy mode".
        var proxy = new ProxySettings("localhost", 7788);
        Assert.Equal("http://localhost:7788/testkv.vault.azure.net/",
            proxy.GetProxiedVaultUri(new Uri("https://testkv.vault.azure.net/")).OriginalString);
    }

    [Fact]
    public void GetTokenUri_AadV1Endpoint()
    {
        var proxy = new ProxySettings("10.0.0.1", 8080);
        Assert.Equal("http://10.0.0.1:8080/my-tenant/oauth2/token?api-version=1.0", proxy.GetTokenUri("my-tenant").OriginalString);
        Assert.Equal(new Uri("http://10.0.0.1:8080/"), proxy.BaseUri);
    }

    [Fact]
    public void Constructor_Ipv6Address_Bracketed()
    {
        Assert.Equal(new Uri("http://[::1]:7788/"), new ProxySettings("::1", 7788).BaseUri);
    }

    [Theory]
    [InlineData("", 7788, "--proxy-mode needs --proxy-address")]
    [InlineData("  ", 7788, "--proxy-mode needs --proxy-address")]
    [InlineData("localhost", 0, "--proxy-port 0 is not a TCP port (1-65535)")]
    [InlineData("localhost", 65536, "--proxy-port 65536 is not a TCP port (1-65535)")]
    [InlineData("localhost", -1, "--proxy-port -1 is not a TCP port (1-65535)")]
    [InlineData("host/path", 7788, "--proxy-address \"host/path\" is not a host name or IP address")]
    public void Constructor_Invalid_ErrorNamesFlag(string address, int port, string expected)
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ProxySettings(address, port));
        Assert.Equal(expected, ex.Message);
    }
}
