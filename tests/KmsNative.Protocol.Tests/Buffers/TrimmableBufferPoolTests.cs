using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Tests.Buffers;

public class TrimmableBufferPoolTests
{
    [Fact]
    public void Rent_ReturnedArrayOfTheSameSize_ReusedAndNoLongerRetained()
    {
        var pool = new TrimmableBufferPool();
        byte[] first = pool.Rent(1000);
        Assert.Equal(1024, first.Length);
        pool.Return(first);
        Assert.Equal(1024, pool.RetainedBytes);

        Assert.Same(first, pool.Rent(600));
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void Return_ForeignOrTooLargeArrays_NotKept()
    {
        var pool = new TrimmableBufferPool();
        pool.Return(new byte[1000]);              // not a power of two: not one of ours
        pool.Return(pool.Rent(4 * 1024 * 1024)); // above 1 MiB: left to the GC
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void Trim_RetainedArrays_AllDroppedAndCounted()
    {
        var pool = new TrimmableBufferPool();
        byte[][] rented = [.. Enumerable.Range(0, 10).Select(_ => pool.Rent(32 * 1024))];
        foreach (byte[] array in rented)
        {
            pool.Return(array);
        }

        Assert.Equal(10 * 32 * 1024, pool.Trim());
        Assert.Equal(0, pool.RetainedBytes);
        Assert.NotSame(rented[0], pool.Rent(32 * 1024));
    }
}
