using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Tests.Buffers;

public class PooledSecretBufferTests
{
    private static readonly byte[] s_secret = [.. Enumerable.Repeat((byte)0xD5, 40)];

    [Fact]
    public void Append_PastCapacity_GrowsByCopyAndReturnsTheOldArrayZeroed()
    {
        var pool = new ZeroCheckingPool();
        var buffer = new PooledSecretBuffer(16, pool);
        buffer.Append(s_secret.AsSpan(0, 10));
        buffer.Append(s_secret.AsSpan(10));

        Assert.Equal(s_secret, buffer.WrittenSpan.ToArray());
        Assert.Equal(2, pool.Rented);
        Assert.Equal(1, pool.Outstanding);
        Assert.Empty(pool.Violations);
        buffer.Dispose();
    }

    [Fact]
    public void Dispose_AfterWrites_ReturnsZeroedAndIsIdempotent()
    {
        var pool = new ZeroCheckingPool();
        var buffer = new PooledSecretBuffer(0, pool);
        buffer.Append(s_secret);
        buffer.Dispose();
        buffer.Dispose();

        Assert.Equal(0, buffer.Length);
        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Violations);
    }

    [Fact]
    public void Dispose_BytesWrittenThroughGetSpanButNotAdvanced_AreZeroedToo()
    {
        // An encoder that writes, then finds the span too short, leaves bytes beyond Length.
        var pool = new ZeroCheckingPool();
        var buffer = new PooledSecretBuffer(64, pool);
        s_secret.CopyTo(buffer.GetSpan(s_secret.Length));
        Assert.Equal(0, buffer.Length);
        buffer.Dispose();

        Assert.Empty(pool.Violations);
    }

    [Fact]
    public void Clear_AfterWrites_ZeroesAndKeepsTheArray()
    {
        var pool = new ZeroCheckingPool();
        var buffer = new PooledSecretBuffer(64, pool);
        buffer.Append(s_secret);
        Span<byte> written = buffer.WrittenSpan;
        buffer.Clear();

        Assert.Equal(0, buffer.Length);
        Assert.True(written.IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(1, pool.Rented);
        buffer.Dispose();
        Assert.Empty(pool.Violations);
    }

    [Fact]
    public void DiscardFront_PartOfTheBytes_MovesTheRestAndZeroesTheFreedTail()
    {
        var pool = new ZeroCheckingPool();
        var buffer = new PooledSecretBuffer(64, pool);
        buffer.Append([1, 2, 3, 4, 5]);
        Span<byte> before = buffer.WrittenSpan;
        buffer.DiscardFront(3);

        Assert.Equal([4, 5], buffer.WrittenSpan.ToArray());
        Assert.Equal([4, 5, 0, 0, 0], before.ToArray());
        buffer.Dispose();
        Assert.Empty(pool.Violations);
    }

    [Fact]
    public void TryAppend_OverTheLimit_ReturnsFalseAndAppendsNothing()
    {
        var buffer = new PooledSecretBuffer(0, new ZeroCheckingPool());
        Assert.True(buffer.TryAppend(s_secret, limit: 40));
        Assert.False(buffer.TryAppend([1], limit: 40));
        Assert.Equal(40, buffer.Length);
        buffer.Dispose();
    }

    [Fact]
    public void GetMemoryAdvance_AsABufferWriter_CommitsWhatWasWritten()
    {
        var buffer = new PooledSecretBuffer(0, new ZeroCheckingPool());
        Memory<byte> memory = buffer.GetMemory(3);
        Assert.True(memory.Length >= 3);
        new byte[] { 7, 8, 9 }.CopyTo(memory);
        buffer.Advance(3);

        Assert.Equal([7, 8, 9], buffer.WrittenMemory.ToArray());
        buffer.Dispose();
    }

    [Fact]
    public void Swap_TwoBuffers_ExchangesContentsWithoutCopying()
    {
        var pool = new ZeroCheckingPool();
        var first = new PooledSecretBuffer(16, pool);
        var second = new PooledSecretBuffer(16, pool);
        first.Append([1, 2]);
        first.Swap(ref second);

        Assert.Equal(0, first.Length);
        Assert.Equal([1, 2], second.WrittenSpan.ToArray());
        first.Dispose();
        second.Dispose();
        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Violations);
    }

    [Fact]
    public void Default_FirstWrite_RentsFromTheSharedPool()
    {
        PooledSecretBuffer buffer = default;
        buffer.Append(s_secret);
        Assert.Equal(s_secret, buffer.WrittenSpan.ToArray());
        buffer.Dispose();
        Assert.Equal(0, buffer.Capacity);
    }
}
