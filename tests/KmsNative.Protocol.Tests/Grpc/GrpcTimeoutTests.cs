using KmsNative.Protocol.Grpc;

namespace KmsNative.Protocol.Tests.Grpc;

public class GrpcTimeoutTests
{
    public static TheoryData<string, long> ValidValues => new()
    {
        { "2H", 2 * TimeSpan.TicksPerHour },
        { "3M", 3 * TimeSpan.TicksPerMinute },
        { "10S", 10 * TimeSpan.TicksPerSecond },
        { "2980m", 2980 * TimeSpan.TicksPerMillisecond },      // grpc-js
        { "2995457u", 2995457 * TimeSpan.TicksPerMicrosecond }, // grpc-go
        { "1500n", 15 },                                       // 1,500 ns = 15 ticks of 100 ns
        { "99n", 0 },                                          // below one tick rounds down
        { "0S", 0 },
        { "00000001S", TimeSpan.TicksPerSecond },              // 8 digits, leading zeros
        { "99999999m", 99_999_999 * TimeSpan.TicksPerMillisecond },
    };

    [Theory]
    [MemberData(nameof(ValidValues))]
    public void TryParse_EachUnit_ReturnsTimeSpan(string value, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(System.Text.Encoding.ASCII.GetBytes(value), out TimeSpan timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Fact]
    public void TryParse_EightDigitsOfHours_ClampsToTimerMaximum()
    {
        Assert.True(GrpcTimeout.TryParse("99999999H"u8, out TimeSpan timeout));
        Assert.Equal(TimeSpan.FromMilliseconds(uint.MaxValue - 1), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]          // no digits
    [InlineData("5")]          // no unit
    [InlineData("10s")]        // units are case-sensitive: 's' is not a unit
    [InlineData("10h")]
    [InlineData("10x")]
    [InlineData("-1S")]
    [InlineData("+1S")]
    [InlineData("1 S")]
    [InlineData(" 1S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")] // nine digits: the spec allows at most eight
    [InlineData("1234567890m")]
    [InlineData("１S")]        // a full-width digit
    public void TryParse_Malformed_ReturnsFalse(string value)
    {
        Assert.False(GrpcTimeout.TryParse(System.Text.Encoding.UTF8.GetBytes(value), out _));
    }

    [Theory]
    [InlineData(3_000_000, "3s")]
    [InlineData(1_500_000, "1.5s")]
    [InlineData(1_000_000, "1s")]
    [InlineData(50_000, "50ms")]
    [InlineData(250, "0.25ms")]
    public void Describe_ReadableUnit(long microseconds, string expected)
    {
        Assert.Equal(expected, GrpcTimeout.Describe(TimeSpan.FromMicroseconds(microseconds)));
    }
}
