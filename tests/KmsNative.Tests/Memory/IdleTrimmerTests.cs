using KmsNative.Memory;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Memory;

public sealed class IdleTrimmerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private long _calls;
    private int _trims;

    private IdleTrimmer Start() => new(() => _calls, () => _trims++, _time, Quiet);

    [Fact]
    public void Tick_NoCallsEver_NeverTrims()
    {
        using IdleTrimmer trimmer = Start();
        _time.Advance(Quiet * 10);
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void Tick_BurstThenOneQuietPeriod_TrimsOnce()
    {
        using IdleTrimmer trimmer = Start();
        _calls += 500;
        _time.Advance(Quiet); // the period with the burst
        Assert.Equal(0, _trims);
        _time.Advance(Quiet); // a whole period without a call
        Assert.Equal(1, _trims);
        _time.Advance(Quiet * 10);
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void Tick_CallsInEveryPeriod_NoTrimUntilTheyStop()
    {
        using IdleTrimmer trimmer = Start();
        for (int period = 0; period < 20; period++)
        {
            _calls++;
            _time.Advance(Quiet);
        }

        Assert.Equal(0, _trims);
        _time.Advance(Quiet);
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void Tick_TwoBurstsApart_TrimsAfterEach()
    {
        using IdleTrimmer trimmer = Start();
        _calls += 10;
        _time.Advance(Quiet * 3);
        _calls += 10;
        _time.Advance(Quiet * 3);
        Assert.Equal(2, _trims);
    }

    [Fact]
    public void Dispose_ThenBurst_NoTrim()
    {
        IdleTrimmer trimmer = Start();
        trimmer.Dispose();
        _calls += 10;
        _time.Advance(Quiet * 3);
        Assert.Equal(0, _trims);
    }
}
