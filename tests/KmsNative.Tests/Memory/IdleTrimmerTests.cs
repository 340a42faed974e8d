using KmsNative.Memory;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Memory;

public sealed class IdleTrimmerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(21);
    private static readonly TimeSpan Check = TimeSpan.FromSeconds(3);
    private readonly FakeTimeProvider _time = new();
    private long _calls;
    private int _trims;

    private IdleTrimmer Start() => new(() => _calls, () => _trims++, _time, Quiet, Check);

    // One check interval at a time, as a real clock passes: one Advance over several periods runs a periodic
    // timer's callback once, at the end.
    private void Pass(TimeSpan span)
    {
        for (TimeSpan passed = TimeSpan.Zero; passed < span; passed += Check)
        {
            _time.Advance(Check);
        }
    }

    [Fact]
    public void NoCallsEver_NeverTrims()
    {
        using IdleTrimmer trimmer = Start();
        Pass(Quiet * 10);
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void Burst_TrimsOnceAtTheFirstCheckAQuietPeriodAfterTheLastCallSeen()
    {
        using IdleTrimmer trimmer = Start();
        _calls += 500;
        Pass(Check); // this check sees the burst
        Pass(Quiet - Check);
        Assert.Equal(0, _trims); // 18 s without a call: not yet
        Pass(Check);
        Assert.Equal(1, _trims); // 21 s
        Pass(Quiet * 10);
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void CallsKeepComing_NoTrimUntilAQuietPeriodAfterTheLast()
    {
        using IdleTrimmer trimmer = Start();
        for (int i = 0; i < 100; i++)
        {
            _calls++;
            Pass(Check * 2); // a call every 6 s for 10 minutes
        }

        Assert.Equal(0, _trims);
        Pass(Quiet);
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void CallInsideTheQuietPeriod_StartsItAgain()
    {
        using IdleTrimmer trimmer = Start();
        _calls++;
        Pass(Check);
        Pass(Quiet - Check * 2);
        _calls++; // one more call 15 s into the quiet period
        Pass(Check);
        Pass(Quiet - Check);
        Assert.Equal(0, _trims);
        Pass(Check);
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void TwoBurstsApart_TrimsAfterEach()
    {
        using IdleTrimmer trimmer = Start();
        _calls += 10;
        Pass(Quiet * 2);
        _calls += 10;
        Pass(Quiet * 2);
        Assert.Equal(2, _trims);
    }

    [Fact]
    public void Dispose_ThenBurst_NoTrim()
    {
        IdleTrimmer trimmer = Start();
        trimmer.Dispose();
        _calls += 10;
        Pass(Quiet * 3);
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void QuietPeriodShorterThanTheCheckInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IdleTrimmer(() => 0, () => { }, _time, Check / 2, Check));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IdleTrimmer(() => 0, () => { }, _time, Quiet, TimeSpan.Zero));
    }
}
