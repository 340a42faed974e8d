using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

public class ByteBudgetTests
{
    [Fact]
    public void TryReserve_UpToCapacity_ThenRefusesUntilReleased()
    {
        var budget = new ByteBudget(100);
        Assert.True(budget.TryReserve(60));
        Assert.True(budget.TryReserve(40));
        Assert.False(budget.TryReserve(1)); // full: nothing reserved
        Assert.Equal(100, budget.Used);

        budget.Release(40);
        Assert.True(budget.TryReserve(40));
    }

    [Fact]
    public void TryReserve_ConcurrentReservations_NeverExceedCapacity()
    {
        var budget = new ByteBudget(1_000);
        int granted = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (budget.TryReserve(1))
            {
                Interlocked.Increment(ref granted);
            }
        });

        Assert.Equal(1_000, granted);
        Assert.Equal(1_000, budget.Used);
    }
}
