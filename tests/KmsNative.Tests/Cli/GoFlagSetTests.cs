using KmsNative.Cli;

namespace KmsNative.Tests.Cli;

// Go's flag package semantics, as Azure/kubernetes-kms parses its command line (contract §1.a).
public class GoFlagSetTests
{
    private static GoFlagSet.ParseOutcome Parse(string[] args, out Dictionary<string, string> values, out IReadOnlyList<string> rest, out string error) =>
        Options.CreateFlagSet().Parse(args, out values, out rest, out error);

    [Theory]
    [InlineData("-keyvault-name", "kv")]
    [InlineData("--keyvault-name", "kv")]
    [InlineData("-keyvault-name=kv", null)]
    [InlineData("--keyvault-name=kv", null)]
    public void Parse_SingleOrDoubleDash_WithEqualsOrSeparateValue(string first, string? second)
    {
        string[] args = second is null ? [first] : [first, second];
        Assert.Equal(GoFlagSet.ParseOutcome.Ok, Parse(args, out var values, out _, out _));
        Assert.Equal("kv", values["keyvault-name"]);
    }

    [Theory]
    [InlineData("-managed-hsm", "true")]
    [InlineData("-managed-hsm=true", "true")]
    [InlineData("-managed-hsm=false", "false")]
    [InlineData("-managed-hsm=1", "true")]
    [InlineData("-managed-hsm=0", "false")]
    [InlineData("-managed-hsm=t", "true")]
    [InlineData("-managed-hsm=F", "false")]
    [InlineData("-managed-hsm=TRUE", "true")]
    [InlineData("-managed-hsm=False", "false")]
    public void Parse_BoolForms_AsStrconvParseBool(string arg, string expected)
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Ok, Parse([arg], out var values, out _, out _));
        Assert.Equal(expected, values["managed-hsm"]);
    }

    [Fact]
    public void Parse_BoolFollowedBySeparateFalse_SetsTrueAndStopsAtPositional()
    {
        // Go: "-b false" sets b and "false" is the first positional argument, which ends flag parsing.
        Assert.Equal(GoFlagSet.ParseOutcome.Ok, Parse(["-managed-hsm", "false", "-v", "4"], out var values, out var rest, out _));
        Assert.Equal("true", values["managed-hsm"]);
        Assert.False(values.ContainsKey("v"));
        Assert.Equal(["false", "-v", "4"], rest);
    }

    [Fact]
    public void Parse_BoolWithBadValue_Fails()
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Error, Parse(["-managed-hsm=yes"], out _, out _, out string error));
        Assert.Contains("invalid boolean value \"yes\" for -managed-hsm", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RepeatedFlag_LastWins()
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Ok, Parse(["-key-name=a", "--key-name", "b"], out var values, out _, out _));
        Assert.Equal("b", values["key-name"]);
    }

    [Fact]
    public void Parse_DoubleDash_EndsFlags()
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Ok, Parse(["-v=2", "--", "-key-name=a"], out var values, out var rest, out _));
        Assert.Equal("2", values["v"]);
        Assert.Equal(["-key-name=a"], rest);
    }

    [Theory]
    [InlineData("---v=1", "bad flag syntax: ---v=1")]
    [InlineData("-=1", "bad flag syntax: -=1")]
    [InlineData("-nope", "flag provided but not defined: -nope")]
    [InlineData("-V=1", "flag provided but not defined: -V")]
    public void Parse_BadSyntaxOrUnknownFlag_Fails(string arg, string expected)
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Error, Parse([arg], out _, out _, out string error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Parse_ValueFlagAtEnd_NeedsArgument()
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Error, Parse(["-key-name"], out _, out _, out string error));
        Assert.Equal("flag needs an argument: -key-name", error);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("-help")]
    [InlineData("--help")]
    public void Parse_Help_ReturnsHelp(string arg) => Assert.Equal(GoFlagSet.ParseOutcome.Help, Parse([arg], out _, out _, out _));

    [Theory]
    [InlineData("0x10", "16")]
    [InlineData("0o17", "15")]
    [InlineData("017", "15")]
    [InlineData("0b101", "5")]
    [InlineData("1_0", "10")]
    [InlineData("0x_1F", "31")]
    [InlineData("255", "255")]
    public void Parse_UintInAnyGoBase(string value, string expected)
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Ok, Parse(["-v", value], out var values, out _, out _));
        Assert.Equal(expected, values["v"]);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1__0")]
    [InlineData("_1")]
    [InlineData("1_")]
    [InlineData("0x")]
    [InlineData("08")]
    [InlineData("abc")]
    [InlineData("99999999999999999999")]
    public void Parse_BadUint_Fails(string value)
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Error, Parse(["-v", value], out _, out _, out string error));
        Assert.StartsWith($"invalid value \"{value}\" for flag -v", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NegativeInt_Accepted()
    {
        Assert.Equal(GoFlagSet.ParseOutcome.Ok, Parse(["-proxy-port=-5"], out var values, out _, out _));
        Assert.Equal("-5", values["proxy-port"]);
    }
}
