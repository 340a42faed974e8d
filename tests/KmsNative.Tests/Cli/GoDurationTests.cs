using KmsNative.Cli;

namespace KmsNative.Tests.Cli;

public class GoDurationTests
{
    [Theory]
    [InlineData("20s", 20_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2h45m", 9_900_000)]
    [InlineData("300ms", 300)]
    [InlineData("1m30s", 90_000)]
    [InlineData("0", 0)]
    [InlineData("-2s", -2_000)]
    public void TryParse_GoSyntax_ReturnsDuration(string text, long milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out TimeSpan duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("1500us", 15_000)]
    [InlineData("1500µs", 15_000)]
    [InlineData("700ns", 7)]
    public void TryParse_SubMillisecondUnits_ReturnsTicks(string text, long ticks)
    {
        Assert.True(GoDuration.TryParse(text, out TimeSpan duration));
        Assert.Equal(TimeSpan.FromTicks(ticks), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("20")]      // Go requires a unit except for "0"
    [InlineData("s")]
    [InlineData("1.2.3s")]
    [InlineData("5d")]
    [InlineData("10 s")]
    [InlineData("99999999999h")]
    [InlineData("15555555555555525555555555555m70")] // fuzzing: overflowed decimal (OverflowException), not "invalid"
    [InlineData("9999999999999999999999999999h")]
    public void TryParse_Invalid_ReturnsFalse(string text) => Assert.False(GoDuration.TryParse(text, out _));
}
