namespace KmsNative.Protocol.Http2;

/// <summary>
/// The memory of recently closed streams (RFC 9113 §5.1 "closed"): how each of the last <c>capacity</c> closed,
/// so a late frame gets the answer the RFC gives for that kind of closing. Older streams are forgotten; §5.1 lets an
/// endpoint treat frames on streams it no longer remembers as it sees fit (we answer as for an unknown stream).
/// Not thread-safe: the connection's lock guards it.
/// </summary>
internal sealed class ClosedStreams
{
    private readonly int[] _ids;
    private readonly StreamClosure[] _closures;
    private int _next;   // the oldest entry, overwritten next
    private int _count;

    public ClosedStreams(int capacity = 192)
    {
        _ids = new int[capacity];
        _closures = new StreamClosure[capacity];
    }

    /// <summary>
    /// Records how <paramref name="streamId"/> closed. A stream remembered already is updated in place: the latest
    /// event counts (the peer's RST_STREAM after its END_STREAM; our RST_STREAM for a late frame after either).
    /// </summary>
    public void Remember(int streamId, StreamClosure closure)
    {
        int known = Array.IndexOf(_ids, streamId, 0, _count);
        if (known >= 0)
        {
            _closures[known] = closure;
            return;
        }

        _ids[_next] = streamId;
        _closures[_next] = closure;
        _next = (_next + 1) % _ids.Length;
        _count = Math.Min(_count + 1, _ids.Length);
    }

    /// <summary>How <paramref name="streamId"/> closed, or <see cref="StreamClosure.Unknown"/> if it is not remembered.</summary>
    public StreamClosure Find(int streamId)
    {
        int index = Array.IndexOf(_ids, streamId, 0, _count);
        return index < 0 ? StreamClosure.Unknown : _closures[index];
    }
}
