using System.Diagnostics;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// One flow-control window (RFC 9113 §5.2, §6.9), of a stream or of the connection, in either direction: how many
/// DATA payload bytes may still be sent, or may still arrive. A 4-byte struct owned by its stream or connection;
/// not thread-safe (the connection's lock guards every window).
/// </summary>
internal struct FlowWindow
{
    private int _size;

    public FlowWindow(int size)
    {
        _size = size;
    }

    /// <summary>May be negative after a SETTINGS_INITIAL_WINDOW_SIZE decrease (§6.9.2).</summary>
    public readonly int Size => _size;

    /// <summary>
    /// A WINDOW_UPDATE's increment. §6.9.1: a window must not exceed 2^31-1; false, leaving the window unchanged, when it
    /// would (FLOW_CONTROL_ERROR: a stream error for a stream's window, a connection error for the connection's).
    /// </summary>
    public bool TryIncrease(int increment) => TryAdjust(increment);

    /// <summary>
    /// §6.9.2: a new SETTINGS_INITIAL_WINDOW_SIZE changes each stream's send window by the difference. It may go below
    /// zero; false, leaving the window unchanged, when it would exceed 2^31-1 (a connection error FLOW_CONTROL_ERROR).
    /// </summary>
    public bool TryAdjust(long delta)
    {
        long size = _size + delta;
        if (size > Http2Limits.MaxWindowSize)
        {
            return false;
        }

        _size = (int)size;
        return true;
    }

    /// <summary>Sending: <paramref name="bytes"/> of DATA sent, which the caller fitted within <see cref="Size"/>.</summary>
    public void Consume(int bytes)
    {
        Debug.Assert(bytes <= _size);
        _size -= bytes;
    }

    /// <summary>
    /// Receiving: a DATA frame's whole length (§6.9.1 counts padding too). False when the peer went past the window,
    /// a FLOW_CONTROL_ERROR; the window is charged either way.
    /// </summary>
    public bool TryReceive(int frameLength)
    {
        _size -= frameLength;
        return _size >= 0;
    }

    /// <summary>Receiving: the increment of a WINDOW_UPDATE we sent.</summary>
    public void Reopen(int increment)
    {
        Debug.Assert((long)_size + increment <= Http2Limits.MaxWindowSize);
        _size += increment;
    }
}
