namespace KmsNative.Protocol.Http2;

/// <summary>
/// The server's memory budget for buffers a client can make it hold (--max-buffer-memory), shared by every
/// connection: request bodies as they arrive, responses held behind a closed flow-control window, and frames queued
/// for a socket the peer does not read. Each reserves as it grows and gives back when sent, dropped or handed over,
/// so the process holds about this much at most however many connections misbehave. Thread-safe.
/// </summary>
/// <remarks>
/// Two ways to take from it. <see cref="TryReserve"/> refuses what does not fit: a body or held response that does not
/// fit is dropped and its stream reset. <see cref="Charge"/> always succeeds, for control frames the protocol obliges us
/// to write (PING and SETTINGS ACKs, RST_STREAM, GOAWAY): those are bounded instead by the read loop, which stops
/// reading while its connection has unsent output and the budget is spent (<see cref="IsSpent"/>).
/// </remarks>
internal sealed class ByteBudget
{
    private readonly long _capacity;
    private long _used;

    public ByteBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    public long Capacity => _capacity;

    public long Used => Volatile.Read(ref _used);

    /// <summary>What is left; zero once spent (a <see cref="Charge"/> may have taken it past the capacity).</summary>
    public long Available => Math.Max(0, _capacity - Used);

    public bool IsSpent => Used >= _capacity;

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

    /// <summary>Takes <paramref name="bytes"/> even past the capacity: for bytes that must be held (see remarks).</summary>
    public void Charge(int bytes) => Interlocked.Add(ref _used, bytes);

    public void Release(int bytes) => Interlocked.Add(ref _used, -bytes);
}
