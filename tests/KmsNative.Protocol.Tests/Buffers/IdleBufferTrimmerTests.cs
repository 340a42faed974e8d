using KmsNative.Protocol.Buffers;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Protocol.Tests.Buffers;

public class IdleBufferTrimmerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Fact]
    public void OnTick_NoRentForAWholeIntervalAfterABurst_PoolTrimmedOnceAndMemoryReturned()
    {
        var clock = new FakeTimeProvider();
        var pool = new TrimmableBufferPool();
        int collections = 0;
        var trimmer = new IdleBufferTrimmer(pool, clock, Interval, minimumRetained: 1024 * 1024, () => collections++);
        Burst(pool, arrays: 64, size: 32 * 1024); // 2 MiB retained

        clock.Advance(Interval); // rents during this interval: not idle yet
        Assert.Equal((0, 2L * 1024 * 1024), (collections, pool.RetainedBytes));
        clock.Advance(Interval); // a whole interval without a rent
        Assert.Equal((1, 0L), (collections, pool.RetainedBytes));
        Assert.Equal((1, 2L * 1024 * 1024), trimmer.Trimmed);
        clock.Advance(Interval); // nothing left to give back: no further collection
        Assert.Equal(1, collections);
        trimmer.Stop();
    }

    [Fact]
    public void OnTick_RentsEveryInterval_NeverTrimmed()
    {
        var clock = new FakeTimeProvider();
        var pool = new TrimmableBufferPool();
        int collections = 0;
        var trimmer = new IdleBufferTrimmer(pool, clock, Interval, minimumRetained: 1024 * 1024, () => collections++);
        for (int i = 0; i < 10; i++)
        {
            Burst(pool, arrays: 64, size: 32 * 1024);
            clock.Advance(Interval);
        }

        Assert.Equal(0, collections);
        trimmer.Stop();
    }

    [Fact]
    public void OnTick_IdleButLittleRetained_NoCollection()
    {
        // A quiet kube-apiserver: a Status call now and then leaves a few small arrays, not worth a GC.
        var clock = new FakeTimeProvider();
        var pool = new TrimmableBufferPool();
        int collections = 0;
        var trimmer = new IdleBufferTrimmer(pool, clock, Interval, minimumRetained: 1024 * 1024, () => collections++);
        Burst(pool, arrays: 4, size: 16 * 1024);
        clock.Advance(10 * Interval);
        Assert.Equal((0, 64L * 1024), (collections, pool.RetainedBytes));
        trimmer.Stop();
    }

    private static void Burst(TrimmableBufferPool pool, int arrays, int size)
    {
        byte[][] rented = [.. Enumerable.Range(0, arrays).Select(_ => pool.Rent(size))];
        foreach (byte[] array in rented)
        {
            pool.Return(array);
        }
    }
}
