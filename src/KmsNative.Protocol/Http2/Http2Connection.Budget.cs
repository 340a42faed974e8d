namespace KmsNative.Protocol.Http2;

// What a peer may make this connection do beyond answering requests: resets (its own and those it provokes from us),
// empty frames and oversized header blocks share one budget per window (GOAWAY ENHANCE_YOUR_CALM once spent), and
// streams count against SETTINGS_MAX_CONCURRENT_STREAMS until both closed and done with by their handler.
internal sealed partial class Http2Connection
{
    private int _resetBudget;        // _sync
    private long _resetWindowStart;  // _sync
    private bool _resetBudgetSpent;  // read loop (written under _sync): set where throwing would skip cleanup, checked after each frame
    private int _activeStreams;      // Interlocked: open streams plus closed ones whose handler still runs
    private long _idleSince;         // Volatile: _time.GetTimestamp() when _activeStreams last became 0, or long.MaxValue while busy

    /// <summary>
    /// The timestamp (of the connection's <see cref="TimeProvider"/>) since which the connection has had no stream
    /// and no handler running; <see cref="long.MaxValue"/> while it has one. Thread-safe.
    /// </summary>
    public long IdleSince => Volatile.Read(ref _idleSince);

    private long _connectedAt;       // set once in the constructor
    private bool _wholeRequestSeen;  // Volatile: a request arrived complete (END_STREAM, valid length) at least once

    /// <summary>The timestamp (of the connection's <see cref="TimeProvider"/>) at which the connection was accepted.</summary>
    public long ConnectedAt => _connectedAt;

    /// <summary>
    /// Whether the peer has ever sent a whole request. kube-apiserver does from its first call; a connection that has
    /// not is half-open, silent since its handshake, or trickling bodies (slowloris), and is the first to make room
    /// when every slot is taken (<c>Http2Server</c>). Thread-safe.
    /// </summary>
    public bool HasSentWholeRequest => Volatile.Read(ref _wholeRequestSeen);

    private void OnStreamOpenedLocked()
    {
        if (Interlocked.Increment(ref _activeStreams) == 1)
        {
            Volatile.Write(ref _idleSince, long.MaxValue);
        }
    }

    /// <summary>A stream is closed and its handler (if any) is done: it no longer counts. Any thread.</summary>
    internal void OnStreamRetired()
    {
        if (Interlocked.Decrement(ref _activeStreams) == 0)
        {
            Volatile.Write(ref _idleSince, _time.GetTimestamp());
        }
    }

    /// <summary>Charges <paramref name="count"/> against the reset budget; false once it is spent.</summary>
    private bool TryChargeResetsLocked(int count)
    {
        long now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_resetWindowStart, now) >= _limits.ResetBurstWindow)
        {
            _resetWindowStart = now;
            _resetBudget = _limits.MaxResetsPerWindow;
        }

        _resetBudget -= count;
        return _resetBudget >= 0;
    }

    /// <summary>Read loop: charges one reset, empty frame or similar; throws GOAWAY(ENHANCE_YOUR_CALM) once the budget is spent.</summary>
    private void ChargeReset(int count = 1)
    {
        bool withinBudget;
        lock (_sync)
        {
            withinBudget = TryChargeResetsLocked(count);
        }

        if (!withinBudget)
        {
            throw TooManyResets();
        }
    }

    /// <summary>
    /// After decoding a header block: one over SETTINGS_MAX_HEADER_LIST_SIZE is charged by its decoded size, one charge
    /// per multiple of the limit. The decoder stops copying past the limit but must still walk the block to keep the
    /// dynamic table in step (RFC 9113 §4.3), so a block of one big entry referenced thousands of times (an HPACK bomb)
    /// costs real CPU and ends the connection at once rather than after a few hundred blocks.
    /// </summary>
    private void ChargeHeaderListCost(bool withinLimit)
    {
        ChargeSliceForHeaderBlock();
        if (!withinLimit)
        {
            long multiples = _hpackDecoder.LastHeaderListSize / Math.Max(1, _limits.MaxHeaderListSize);
            ChargeReset((int)Math.Min(multiples, int.MaxValue / 2));
        }
    }

    private static Http2ConnectionException TooManyResets() =>
        new(Http2ErrorCode.EnhanceYourCalm, "too many stream resets, empty frames or oversized header blocks");

    /// <summary>Reserves room for a held response from this connection's bound and the server's; false when either is full.</summary>
    private bool TryReserveHeldLocked(int size)
    {
        if (_heldBytes + size > _limits.MaxHeldResponseBytes || !BufferBudget.TryReserve(size))
        {
            return false;
        }

        _heldBytes += size;
        return true;
    }

    private void DisposeHeldLocked(HeldResponse held)
    {
        _heldBytes -= held.Size;
        BufferBudget.Release(held.Size);
        held.Dispose();
    }
}
