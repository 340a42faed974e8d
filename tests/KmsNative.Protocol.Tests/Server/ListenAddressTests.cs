using KmsNative.Protocol.Server;

namespace KmsNative.Protocol.Tests.Server;

public class ListenAddressTests
{
    [Theory]
    [InlineData("unix:///opt/azurekms.socket", "/opt/azurekms.socket")]   // the Go plugin's default
    [InlineData("UNIX:///opt/azurekms.socket", "/opt/azurekms.socket")]   // Go's strings.ToLower prefix check
    [InlineData("Unix:///tmp/kms.sock", "/tmp/kms.sock")]
    [InlineData("unix://relative.sock", "relative.sock")]                 // everything after "://", as Go's SplitN
    public void TryParse_UnixPath_ReturnsFilesystemAddress(string value, string expectedPath)
    {
        Assert.True(ListenAddress.TryParse(value, out ListenAddress address, out string error), error);
        Assert.Equal(new ListenAddress(expectedPath, IsAbstract: false), address);
        Assert.Equal(expectedPath, address.EndPointPath);
    }

    [Theory]
    [InlineData("unix:///@kms")]
    [InlineData("unix://@kms")]
    public void TryParse_AbstractName_ReturnsAbstractAddressWithNulPrefix(string value)
    {
        Assert.True(ListenAddress.TryParse(value, out ListenAddress address, out string error), error);
        Assert.True(address.IsAbstract);
        Assert.Equal("kms", address.Path);
        Assert.Equal("\0kms", address.EndPointPath);
        Assert.Equal("@kms", address.ToString());
    }

    [Theory]
    [InlineData("unix://")]              // empty path
    [InlineData("UNIX://")]
    [InlineData("unix:///@")]            // empty abstract name
    [InlineData("unix://@")]
    [InlineData("udp:///opt/azurekms.socket")]
    [InlineData("tcp://127.0.0.1:8080")]
    [InlineData("/opt/azurekms.socket")] // no scheme
    [InlineData("unix:/opt/azurekms.socket")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_Invalid_ReturnsFalseWithMessage(string? value)
    {
        Assert.False(ListenAddress.TryParse(value, out _, out string error));
        Assert.Contains("--listen-addr", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_PathOf107Bytes_Accepted()
    {
        string path = "/" + new string('a', 106);
        Assert.True(ListenAddress.TryParse("unix://" + path, out ListenAddress address, out _));
        Assert.Equal(path, address.Path);
    }

    [Fact]
    public void TryParse_PathLongerThanSunPath_ReturnsFalse()
    {
        string path = "/" + new string('a', 107); // 108 bytes: no room for the NUL in sockaddr_un.sun_path
        Assert.False(ListenAddress.TryParse("unix://" + path, out _, out string error));
        Assert.Contains("107", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_MultiByteUtf8Path_CountsBytesNotChars()
    {
        string path = "/" + new string('é', 54); // 1 + 108 bytes
        Assert.False(ListenAddress.TryParse("unix://" + path, out _, out _));
    }
}
