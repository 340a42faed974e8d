using System.Text;
using KmsNative.KeyVault.Configuration;

namespace KmsNative.KeyVault.Tests.Configuration;

public class AzureConfigParserTests
{
    private const string Path = "/etc/kubernetes/azure.json";

    private static AzureConfig Parse(string json) => AzureConfigParser.Parse(Encoding.UTF8.GetBytes(json), Path);

    private static ConfigurationException ParseFails(string json) =>
        Assert.Throws<ConfigurationException>(() => Parse(json));

    [Fact]
    public void Parse_AllFields_ReadsEach()
    {
        AzureConfig config = Parse("""
            {
              "cloud": "AzureChinaCloud",
              "tenantId": "tenant-1",
              "aadClientId": "client-1",
              "aadClientSecret": "s3cret",
              "useManagedIdentityExtension": true,
              "userAssignedIdentityID": "uami-1",
              "aadClientCertPath": "/etc/kubernetes/cert.pfx",
              "aadClientCertPassword": "pw",
              "aadFederatedTokenFile": "/var/run/token",
              "useFederatedWorkloadIdentityExtension": true
            }
            """);
        Assert.Equal(new AzureConfig
        {
            SourcePath = Path,
            Cloud = "AzureChinaCloud",
            TenantId = "tenant-1",
            ClientId = "client-1",
            ClientSecret = "s3cret",
            UseManagedIdentityExtension = true,
            UserAssignedIdentityId = "uami-1",
            ClientCertPath = "/etc/kubernetes/cert.pfx",
            ClientCertPassword = "pw",
            AadFederatedTokenFile = "/var/run/token",
            UseFederatedWorkloadIdentityExtension = true,
        }, config);
    }

    [Fact]
    public void Parse_KeysAreCaseSensitive_WrongCaseIgnored()
    {
        // docs/manual-install.md of the Go plugin spells it aadClientID; yaml.v3 ignores that key.
        AzureConfig config = Parse("""{"aadClientID": "x", "TenantId": "t", "UseManagedIdentityExtension": "not even a bool"}""");
        Assert.Equal("", config.ClientId);
        Assert.Equal("", config.TenantId);
        Assert.False(config.UseManagedIdentityExtension);
    }

    [Fact]
    public void Parse_UnknownKeysOfAnyType_Ignored()
    {
        AzureConfig config = Parse("""
            {"subscriptionId": "s", "resourceGroup": 1, "nested": {"a": [1, {"b": null}], "a": 2}, "list": [true], "cloud": "AzureCloud"}
            """);
        Assert.Equal("AzureCloud", config.Cloud);
    }

    [Fact]
    public void Parse_Utf8Bom_Skipped()
    {
        byte[] content = [0xEF, 0xBB, 0xBF, .. """{"tenantId":"t"}"""u8];
        Assert.Equal("t", AzureConfigParser.Parse(content, Path).TenantId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \r\n\t ")]
    [InlineData("null")]
    [InlineData(" null \n")]
    [InlineData("{}")]
    public void Parse_EmptyOrNull_ZeroConfig(string json)
    {
        Assert.Equal(new AzureConfig { SourcePath = Path }, Parse(json));
    }

    [Fact]
    public void Parse_BomOnly_ZeroConfig()
    {
        Assert.Equal(new AzureConfig { SourcePath = Path }, AzureConfigParser.Parse([0xEF, 0xBB, 0xBF], Path));
    }

    [Fact]
    public void Parse_TabsAndNewlines_Accepted()
    {
        Assert.Equal("t", Parse("{\n\t\"tenantId\":\t\"t\"\r\n}").TenantId);
    }

    [Fact]
    public void Parse_NullField_KeepsZeroValue()
    {
        AzureConfig config = Parse("""{"cloud": null, "useManagedIdentityExtension": null, "aadClientSecret": null}""");
        Assert.Equal("", config.Cloud);
        Assert.False(config.UseManagedIdentityExtension);
        Assert.Equal("", config.ClientSecret);
    }

    [Fact]
    public void Parse_QuotedBoolean_ErrorNamesFileAndField()
    {
        var ex = ParseFails("""{"useManagedIdentityExtension": "true"}""");
        Assert.Equal(
            "/etc/kubernetes/azure.json: \"useManagedIdentityExtension\" must be true or false, not the string \"true\"",
            ex.Message);
    }

    [Theory]
    [InlineData("1", "not the number 1")]
    [InlineData("0", "not the number 0")]
    [InlineData("{}", "not an object")]
    [InlineData("[true]", "not an array")]
    public void Parse_BooleanOfWrongType_Error(string value, string expected)
    {
        var ex = ParseFails($$"""{"useFederatedWorkloadIdentityExtension": {{value}}}""");
        Assert.StartsWith($"{Path}: \"useFederatedWorkloadIdentityExtension\" must be true or false", ex.Message);
        Assert.EndsWith(expected, ex.Message);
    }

    [Fact]
    public void Parse_FalseBoolean_False()
    {
        Assert.False(Parse("""{"useManagedIdentityExtension": false}""").UseManagedIdentityExtension);
    }

    [Fact]
    public void Parse_DuplicateKey_Error()
    {
        var ex = ParseFails("""{"cloud": "AzureCloud", "cloud": "AzureChinaCloud"}""");
        Assert.Equal($"{Path}: key \"cloud\" is given more than once", ex.Message);
    }

    [Fact]
    public void Parse_DuplicateUnknownKey_Error()
    {
        // yaml.v3 checks every key of the mapping, not only the ones it decodes.
        var ex = ParseFails("""{"subscriptionId": "a", "subscriptionId": "b"}""");
        Assert.Contains("\"subscriptionId\" is given more than once", ex.Message);
    }

    [Fact]
    public void Parse_DuplicateKeyWrittenWithEscape_Error()
    {
        ParseFails("""{"cloud": "a", "\u0063loud": "b"}""");
    }

    [Fact]
    public void Parse_DuplicateSecret_ErrorDoesNotEchoValue()
    {
        var ex = ParseFails("""{"aadClientSecret": "first-secret", "aadClientSecret": "second-secret"}""");
        Assert.DoesNotContain("first-secret", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("second-secret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12345", "12345")]
    [InlineData("-1.50e3", "-1.50e3")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    public void Parse_ScalarInStringField_LiteralText(string value, string expected)
    {
        Assert.Equal(expected, Parse($$"""{"aadClientSecret": {{value}}}""").ClientSecret);
        Assert.Equal(expected, Parse($$"""{"tenantId": {{value}}}""").TenantId);
    }

    [Theory]
    [InlineData("{}", "an object")]
    [InlineData("[\"a\"]", "an array")]
    public void Parse_ContainerInStringField_Error(string value, string what)
    {
        var ex = ParseFails($$"""{"aadClientId": {{value}}}""");
        Assert.Equal($"{Path}: \"aadClientId\" must be a string, not {what}", ex.Message);
    }

    [Theory]
    [InlineData("[]", "an array")]
    [InlineData("\"text\"", "a string")]
    [InlineData("42", "a number")]
    [InlineData("true", "a boolean")]
    public void Parse_TopLevelNotObject_Error(string json, string what)
    {
        Assert.Equal($"{Path}: azure.json must be a JSON object, not {what}", ParseFails(json).Message);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"cloud\" \"AzureCloud\"}")]
    [InlineData("{\"cloud\": \"AzureCloud\"} {}")]
    [InlineData("{\"cloud\": \"AzureCloud\"} x")]
    [InlineData("{\"cloud\": \"AzureCloud\" // comment\n}")]
    public void Parse_NeitherJsonNorYaml_ErrorWithBothPositions(string json)
    {
        var ex = ParseFails(json);
        Assert.StartsWith($"{Path}: not valid JSON at line ", ex.Message);
        Assert.Contains("; not valid YAML at line ", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.InnerException);
    }

    [Theory]
    [InlineData("{\"cloud\": \"AzureCloud\",}")]
    [InlineData("cloud: AzureCloud")]
    [InlineData("{\"cloud\": 'AzureCloud'}")]
    public void Parse_YamlThatIsNotJson_ReadAsYaml(string text)
    {
        Assert.Equal("AzureCloud", Parse(text).Cloud);
    }

    [Fact]
    public void Parse_SyntaxErrorInsideSecret_DoesNotQuoteTheBytes()
    {
        // Neither JSON nor YAML (the string is never closed): both positions, none of the text.
        var ex = ParseFails("{\"tenantId\": \"t\",\n \"aadClientSecret\": \"Zq9xSECRET}");
        Assert.StartsWith($"{Path}: not valid JSON at line 2, byte ", ex.Message);
        Assert.Contains("(after key \"aadClientSecret\"); not valid YAML at line 2: a quoted string is never closed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Zq9x", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8InString_Error()
    {
        byte[] content = [.. "{\"tenantId\": \""u8, 0xC3, 0x28, .. "\"}"u8];
        var ex = Assert.Throws<ConfigurationException>(() => AzureConfigParser.Parse(content, Path));
        Assert.StartsWith($"{Path}: ", ex.Message);
    }

    [Fact]
    public void Parse_EscapesInStrings_Decoded()
    {
        Assert.Equal("a/b\"c\u00e9", Parse("""{"aadClientSecret": "a\/b\"c\u00e9"}""").ClientSecret);
    }

    [Fact]
    public void ToString_DoesNotPrintSecrets()
    {
        AzureConfig config = Parse("""
            {"aadClientId": "0123456789abcdef", "aadClientSecret": "very-secret-value", "aadClientCertPassword": "cert-password"}
            """);
        string text = config.ToString();
        Assert.DoesNotContain("very-secret-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cert-password", text, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", text, StringComparison.Ordinal);
        Assert.Contains("ClientId = 0123##### REDACTED #####cdef", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ClearError()
    {
        using var files = new TestFiles();
        string path = System.IO.Path.Combine(files.Directory, "azure.json");
        var ex = Assert.Throws<ConfigurationException>(() => AzureConfigParser.Load(path));
        Assert.Equal($"{path}: cannot read the azure.json file: it does not exist (set --config-file-path)", ex.Message);
    }

    [Fact]
    public void Load_MissingDirectory_ClearError()
    {
        var ex = Assert.Throws<ConfigurationException>(() => AzureConfigParser.Load("/nonexistent-dir-kmsnative/azure.json"));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Directory_ClearError()
    {
        using var files = new TestFiles();
        var ex = Assert.Throws<ConfigurationException>(() => AzureConfigParser.Load(files.Directory));
        Assert.StartsWith($"{files.Directory}: cannot read the azure.json file", ex.Message);
    }

    [Fact]
    public void Load_PathIsADirectory_ClearError()
    {
        // (A permission test would pass vacuously here: the tests run as root, who reads any file.)
        using var files = new TestFiles();
        string path = System.IO.Path.GetDirectoryName(files.Write("azure.json", "{}"))!;
        var ex = Assert.Throws<ConfigurationException>(() => AzureConfigParser.Load(path));
        Assert.Equal($"{path}: cannot read the azure.json file: it is a directory (set --config-file-path to the file)", ex.Message);
    }

    [Fact]
    public void Load_ValidFile_ParsesAndRecordsPath()
    {
        using var files = new TestFiles();
        string path = files.Write("azure.json", """{"cloud": "AzurePublicCloud", "useManagedIdentityExtension": true}""");
        AzureConfig config = AzureConfigParser.Load(path);
        Assert.Equal(path, config.SourcePath);
        Assert.True(config.UseManagedIdentityExtension);
    }
}
