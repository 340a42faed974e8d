namespace KmsNative.Protocol.Http2;

/// <summary>
/// A number of bytes shared by every connection of a server: response bytes held behind a closed flow-control window
/// reserve from it and give back when sent or dropped, so the process holds no more than this in total however many
/// connections stop reading. Thread-safe.
/// </summary>
internal sealed class ByteBudget
{
    private readonly long _capacity;
    private long _used;

    public ByteBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    public long Used => Volatile.Read(ref _used);

    /// <summary>Reserves <paramref name="bytes"/>; false, reserving nothing, when that would exceed the capacity.</summary>
    public bool TryReserve(int bytes)
    {
        long used = Volatile.Read(ref _used);
        while (true)
        {
            if (used + bytes > _capacity)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _used, used + bytes, used);
            if (seen == used)
            {
                return true;
            }

            used = seen;
        }
    }

    public void Release(int bytes) => Interlocked.Add(ref _used, -bytes);
}
