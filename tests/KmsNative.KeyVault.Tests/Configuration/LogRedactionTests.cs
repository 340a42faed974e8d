using KmsNative.KeyVault.Configuration;

namespace KmsNative.KeyVault.Tests.Configuration;

public class LogRedactionTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("a", "##### REDACTED #####")]
    [InlineData("1234567", "##### REDACTED #####")]
    [InlineData("12345678", "1234##### REDACTED #####5678")]
    [InlineData("aabc0000-1111-2222-3333-44445555c1f9", "aabc##### REDACTED #####c1f9")]
    public void Redact_GoShapeAndShortStringsHidden(string value, string expected)
    {
        Assert.Equal(expected, LogRedaction.Redact(value));
    }
}
