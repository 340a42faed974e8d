namespace KmsNative.Protocol.Http2;

// Fairness between connections that share a thread (issue #8). With inline socket completions the read loop runs on
// the socket engine's thread, and a read that finds data already waiting completes synchronously, so a client that
// keeps its socket full would keep the thread, and every connection whose events wait behind it, for as long as it
// sends. The read loop therefore counts the work it does (frame bytes, decoded header bytes, requests dispatched) and
// once a slice's budget is spent it re-queues itself to the thread pool before handling more.
internal sealed partial class Http2Connection
{
    private readonly Func<Task>? _yieldSlice; // null: Task.Yield
    private int _sliceCost;                   // read loop only: work done since the thread was last given up
    private long _slicesYielded;              // read loop writes, tests read

    /// <summary>How often the read loop gave its thread up because a slice's work budget was spent.</summary>
    public long SlicesYielded => Volatile.Read(ref _slicesYielded);

    /// <summary>Counts a request dispatched from the read loop: its handler may run inline, on this thread.</summary>
    private void ChargeSliceForRequest() => _sliceCost += _limits.RequestWorkCost;

    /// <summary>Counts the decoded size of a header block: decoding costs by what comes out, not by what came in.</summary>
    private void ChargeSliceForHeaderBlock() => _sliceCost += (int)Math.Min(_hpackDecoder.LastHeaderListSize, int.MaxValue / 2);

    /// <summary>Counts one pass over the open streams (an INITIAL_WINDOW_SIZE change): a stream window is about 16 bytes of work.</summary>
    private void ChargeSliceForStreamPass(int streams) => _sliceCost += 16 * streams;

    private async Task YieldSliceAsync()
    {
        _sliceCost = 0;
        Volatile.Write(ref _slicesYielded, _slicesYielded + 1);
        if (_yieldSlice is null)
        {
            // Task.Yield queues the continuation to the thread pool's global queue (FIFO), behind work that is already waiting.
            await Task.Yield();
        }
        else
        {
            await _yieldSlice().ConfigureAwait(false);
        }
    }
}
