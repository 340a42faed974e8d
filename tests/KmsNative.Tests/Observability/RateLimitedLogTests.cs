using KmsNative.Kms.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Observability;

public class RateLimitedLogTests
{
    [Fact]
    public void Write_OverBurst_SuppressedThenCountedOnTheNextLine()
    {
        var clock = new FakeTimeProvider();
        var log = new RecordingLog();
        var limited = new RateLimitedLog(log, clock, TimeSpan.FromSeconds(10), burst: 2);
        for (int i = 0; i < 5; i++)
        {
            limited.Write(LogLevel.Warning, "line", ("i", i));
        }

        Assert.Equal(2, log.Lines.Count);
        clock.Advance(TimeSpan.FromSeconds(10));
        limited.Write(LogLevel.Warning, "line", ("i", 5));

        Assert.Equal(3, log.Lines.Count);
        Assert.Equal([("i", (object?)5), ("suppressed", 3L)], log.Lines[2].Fields);
    }

    [Fact]
    public void Write_LevelDisabled_NeitherWrittenNorCounted()
    {
        var clock = new FakeTimeProvider();
        var log = new RecordingLog { Level = LogLevel.Warning };
        var limited = new RateLimitedLog(log, clock, TimeSpan.FromSeconds(10), burst: 1);
        limited.Write(LogLevel.Verbose, "hidden");
        limited.Write(LogLevel.Warning, "shown");

        var line = Assert.Single(log.Lines);
        Assert.Equal("shown", line.Message);
        Assert.Empty(line.Fields); // the disabled line was not counted as suppressed
    }
}
