using System.Text;
using KmsNative.KeyVault.Configuration;

namespace KmsNative.KeyVault.Tests.Configuration;

/// <summary>azure.json written as YAML, typed as yaml.v3 types it into the Go plugin's struct (contract 1.b.1).</summary>
public class AzureConfigYamlTests
{
    private const string Path = "/etc/kubernetes/azure.json";

    private static AzureConfig Parse(string yaml) => AzureConfigParser.Parse(Encoding.UTF8.GetBytes(yaml), Path);

    private static ConfigurationException ParseFails(string yaml) => Assert.Throws<ConfigurationException>(() => Parse(yaml));

    [Fact]
    public void Parse_BlockMapping_AllFields()
    {
        AzureConfig config = Parse("""
            # azure.json as aks-engine writes it, in YAML
            cloud: AzurePublicCloud
            tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47"
            aadClientId: 'client id'
            aadClientSecret: s3cr3t:with#hash   # a comment
            useManagedIdentityExtension: false
            userAssignedIdentityID: ""
            aadClientCertPath: /etc/kubernetes/cert.pfx
            aadClientCertPassword: 'it''s'
            aadFederatedTokenFile: /var/run/token
            useFederatedWorkloadIdentityExtension: true
            """);

        Assert.Equal("AzurePublicCloud", config.Cloud);
        Assert.Equal("72f988bf-86f1-41af-91ab-2d7cd011db47", config.TenantId);
        Assert.Equal("client id", config.ClientId);
        Assert.Equal("s3cr3t:with#hash", config.ClientSecret);
        Assert.False(config.UseManagedIdentityExtension);
        Assert.Equal("", config.UserAssignedIdentityId);
        Assert.Equal("/etc/kubernetes/cert.pfx", config.ClientCertPath);
        Assert.Equal("it's", config.ClientCertPassword);
        Assert.Equal("/var/run/token", config.AadFederatedTokenFile);
        Assert.True(config.UseFederatedWorkloadIdentityExtension);
    }

    [Fact]
    public void Parse_FlowMappingWithPlainScalarsAndTrailingComma()
    {
        AzureConfig config = Parse("{cloud: AzureChinaCloud, 'tenantId': t1,\n  aadClientId: c1, # comment\n}");

        Assert.Equal("AzureChinaCloud", config.Cloud);
        Assert.Equal("t1", config.TenantId);
        Assert.Equal("c1", config.ClientId);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("True")]
    [InlineData("TRUE")]
    [InlineData("yes")]
    [InlineData("Yes")]
    [InlineData("on")]
    [InlineData("y")]
    [InlineData("\"yes\"")] // yaml.v3 decodes the YAML 1.1 words into a bool field even when quoted
    public void Parse_BooleanTrueWords_True(string value)
    {
        Assert.True(Parse($"useManagedIdentityExtension: {value}").UseManagedIdentityExtension);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("False")]
    [InlineData("no")]
    [InlineData("OFF")]
    [InlineData("n")]
    public void Parse_BooleanFalseWords_False(string value)
    {
        Assert.False(Parse($"useManagedIdentityExtension: true\nuseFederatedWorkloadIdentityExtension: {value}").UseFederatedWorkloadIdentityExtension);
    }

    [Fact]
    public void Parse_JsonStringYes_TrueAsInYamlV3()
    {
        Assert.True(Parse("""{"useManagedIdentityExtension": "yes"}""").UseManagedIdentityExtension);
    }

    [Theory]
    [InlineData("\"true\"", "the string \"true\"")]
    [InlineData("'True'", "the string \"True\"")]
    [InlineData("1", "the value \"1\"")]
    [InlineData("enabled", "the value \"enabled\"")]
    [InlineData("{a: 1}", "a mapping or list")]
    public void Parse_QuotedTrueOrOtherIntoBool_ErrorNamesFileLineAndField(string value, string what)
    {
        var ex = ParseFails($"cloud: AzureCloud\nuseManagedIdentityExtension: {value}");

        Assert.Equal($"{Path}: line 2: \"useManagedIdentityExtension\" must be true or false, not {what}", ex.Message);
    }

    [Theory]
    [InlineData("12345", "12345")]
    [InlineData("1.50", "1.50")]
    [InlineData("true", "true")]
    [InlineData("yes", "yes")]
    [InlineData("0x1F", "0x1F")]
    public void Parse_ScalarIntoString_LiteralText(string value, string expected)
    {
        Assert.Equal(expected, Parse($"aadClientSecret: {value}").ClientSecret);
    }

    [Theory]
    [InlineData("aadClientSecret:")]
    [InlineData("aadClientSecret: ~")]
    [InlineData("aadClientSecret: null")]
    [InlineData("aadClientSecret: NULL")]
    public void Parse_NullValue_ZeroValue(string yaml)
    {
        Assert.Equal("", Parse(yaml).ClientSecret);
    }

    [Fact]
    public void Parse_QuotedNull_IsTheString()
    {
        Assert.Equal("null", Parse("aadClientSecret: 'null'").ClientSecret);
    }

    [Fact]
    public void Parse_KeysAreCaseSensitive()
    {
        AzureConfig config = Parse("aadClientID: wrong-case\nTenantId: t");

        Assert.Equal("", config.ClientId);
        Assert.Equal("", config.TenantId);
    }

    [Fact]
    public void Parse_UnknownKeysWithNestedValues_Ignored()
    {
        AzureConfig config = Parse("""
            subscriptionId: 1234
            tags:
              team: kms
              list:
                - a
                - "b: c"
            zones: [1, 2, {x: "]"}]
            extra: {a: {b: c}}
            cloud: AzureCloud
            """);

        Assert.Equal("AzureCloud", config.Cloud);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("--- # empty document\n...\n")]
    public void Parse_EmptyOrNullDocument_ZeroConfig(string yaml)
    {
        Assert.Equal(new AzureConfig { SourcePath = Path }, Parse(yaml));
    }

    [Fact]
    public void Parse_BomAndCrLf_Accepted()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("cloud: AzureCloud\r\ntenantId: t\r\n")];

        AzureConfig config = AzureConfigParser.Parse(bytes, Path);

        Assert.Equal("AzureCloud", config.Cloud);
        Assert.Equal("t", config.TenantId);
    }

    [Fact]
    public void Parse_DocumentStartAndSecondDocument_FirstDocumentOnly()
    {
        Assert.Equal("AzureCloud", Parse("---\ncloud: AzureCloud\n---\ncloud: AzureChinaCloud\n").Cloud);
    }

    [Fact]
    public void Parse_DoubleQuotedEscapes_Decoded()
    {
        Assert.Equal("a\"b\\c\té/", Parse("aadClientSecret: \"a\\\"b\\\\c\\t\\u00e9\\/\"").ClientSecret);
    }

    [Fact]
    public void Parse_DuplicateKey_ErrorWithBothLines()
    {
        var ex = ParseFails("cloud: AzureCloud\ntenantId: t\ncloud: AzureChinaCloud");

        Assert.Equal($"{Path}: line 3: key \"cloud\" is given more than once (first at line 1)", ex.Message);
    }

    [Fact]
    public void Parse_DuplicateUnknownKey_Error()
    {
        Assert.Contains("\"extra\" is given more than once", ParseFails("extra: 1\nextra: 2").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateSecret_ErrorDoesNotEchoValue()
    {
        var ex = ParseFails("aadClientSecret: first-secret\naadClientSecret: second-secret");

        Assert.DoesNotContain("secret-", ex.Message.Replace("aadClientSecret", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cloud:\n  nested: x", "a nested mapping or list")]
    [InlineData("cloud: [a]", "a mapping or list")]
    [InlineData("cloud: {a: b}", "a mapping or list")]
    public void Parse_ContainerIntoString_Error(string yaml, string what)
    {
        Assert.Equal($"{Path}: line 1: \"cloud\" must be a string, not {what}", ParseFails(yaml).Message);
    }

    [Theory]
    [InlineData("cloud: AzureCloud\n  tenantId: t", 2, "unexpected indentation")]
    [InlineData("cloud: AzureCloud\ntenantId t", 2, "expected ':'")]
    [InlineData("cloud: 'AzureCloud", 1, "never closed")]
    [InlineData("{cloud: AzureCloud", 1, "never closed")]
    [InlineData("- cloud: AzureCloud", 1, "not a list")]
    [InlineData("cloud: &a AzureCloud", 1, "anchors")]
    [InlineData("cloud: !!str AzureCloud", 1, "tags")]
    [InlineData("aadClientSecret: |\n  x", 1, "block scalars")]
    [InlineData("cloud: a: b", 1, "': '")]
    [InlineData("\tcloud: AzureCloud", 1, "tab")]
    [InlineData("cloud: \"\\q\"", 1, "escape")]
    [InlineData("cloud: \"\\UFFFFFFFF\"", 1, "escape")] // fuzzing: parsed as -1, then ArgumentOutOfRangeException
    [InlineData("x: [\"\\U80000000\"]", 1, "escape")]   // the same inside a skipped flow collection
    [InlineData("cloud: AzureCloud\nx", 2, "expected ':'")]
    public void Parse_BrokenYaml_ErrorNamesFileAndLine(string yaml, int line, string what)
    {
        var ex = ParseFails(yaml);

        Assert.Contains($"{Path}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"not valid YAML at line {line}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BrokenYamlInsideSecret_DoesNotQuoteTheText()
    {
        var ex = ParseFails("aadClientSecret: \"hunter2-unclosed\ncloud: x");

        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8InYaml_Error()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("cloud: "), 0xFF, 0xFE];

        var ex = Assert.Throws<ConfigurationException>(() => AzureConfigParser.Parse(bytes, Path));

        Assert.Equal($"{Path}: the file is not valid UTF-8", ex.Message);
    }

    [Fact]
    public void Parse_SingleScalarDocument_Error()
    {
        Assert.Contains("not a single value", ParseFails("AzureCloud").Message, StringComparison.Ordinal);
    }
}
