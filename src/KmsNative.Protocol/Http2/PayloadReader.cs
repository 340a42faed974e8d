using System.Buffers.Binary;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// Reads the payloads of the frames whose fields the connection acts on (RFC 9113 §6). Pure: bytes in, values out,
/// no state and no allocation. A connection error is thrown as <see cref="Http2ConnectionException"/>; a stream
/// error is returned as an <see cref="Http2ErrorCode"/> (NoError: none), because what it means for the stream
/// (reset, ignore) depends on the stream's state, which only the connection knows.
/// </summary>
internal static class PayloadReader
{
    /// <summary>
    /// HEADERS (§6.2): returns the field block fragment, without padding and priority fields.
    /// <paramref name="streamDependency"/> is the PRIORITY flag's dependency, or 0 without it.
    /// </summary>
    public static ReadOnlySpan<byte> ReadHeaders(FrameHeader header, ReadOnlySpan<byte> payload, out int streamDependency)
    {
        // +---------------+-+-------------------------------------------------------------+---------------+------------+
        // |Pad Length? (8)|E|                 Stream Dependency? (31)                      | Weight? (8)   | Fragment   | Padding
        // The padding is measured against what follows the priority fields, so they are taken off first.
        bool padded = header.HasFlag(FrameFlags.Padded);
        bool priority = header.HasFlag(FrameFlags.Priority);
        if (payload.Length < (padded ? 1 : 0) + (priority ? 5 : 0))
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "HEADERS too short for its padding and priority fields"); // §4.2
        }

        int padLength = padded ? payload[0] : 0;
        ReadOnlySpan<byte> fragment = padded ? payload[1..] : payload;
        streamDependency = 0;
        if (priority)
        {
            streamDependency = (int)(BinaryPrimitives.ReadUInt32BigEndian(fragment) & 0x7FFF_FFFF);
            fragment = fragment[5..];
        }

        if (padLength > fragment.Length)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "padding longer than the header block fragment"); // §6.2
        }

        return fragment[..^padLength];
    }

    /// <summary>DATA (§6.1): the data without PADDED framing.</summary>
    public static ReadOnlySpan<byte> ReadData(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        // [Pad Length (8)] Data [Padding]
        if (!header.HasFlag(FrameFlags.Padded))
        {
            return payload;
        }

        if (payload.IsEmpty || payload[0] >= payload.Length)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "padding longer than the frame payload"); // §6.1
        }

        return payload[1..^payload[0]];
    }

    /// <summary>SETTINGS (§6.5): checks the frame; true for an ACK, which carries nothing. Read the parameters with <see cref="TryReadSetting"/>.</summary>
    public static bool ReadSettings(FrameHeader header)
    {
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "SETTINGS on a stream");
        }

        if (header.HasFlag(FrameFlags.Ack))
        {
            if (header.Length != 0)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "SETTINGS ACK with a payload");
            }

            return true;
        }

        if (header.Length % 6 != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "SETTINGS length not a multiple of 6");
        }

        return false;
    }

    /// <summary>
    /// The next parameter of a SETTINGS payload (§6.5.1: Identifier (16), Value (32)), checked against §6.5.2's ranges;
    /// false at the end. Unknown identifiers are returned too: the caller ignores them.
    /// </summary>
    public static bool TryReadSetting(ref ReadOnlySpan<byte> payload, out SettingsParameter parameter, out uint value)
    {
        if (payload.Length < 6)
        {
            parameter = default;
            value = 0;
            return false;
        }

        parameter = (SettingsParameter)BinaryPrimitives.ReadUInt16BigEndian(payload);
        value = BinaryPrimitives.ReadUInt32BigEndian(payload[2..]);
        payload = payload[6..];
        switch (parameter)
        {
            case SettingsParameter.EnablePush when value > 1:
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "SETTINGS_ENABLE_PUSH other than 0 or 1");
            case SettingsParameter.InitialWindowSize when value > Http2Limits.MaxWindowSize:
                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
            case SettingsParameter.MaxFrameSize when value is < Http2Limits.DefaultMaxFrameSize or > 0xFF_FFFF:
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"SETTINGS_MAX_FRAME_SIZE {value} out of range");
        }

        return true;
    }

    /// <summary>
    /// WINDOW_UPDATE (§6.9): the increment. Zero on stream 0 is a connection error; zero on a stream is returned,
    /// a stream error of type PROTOCOL_ERROR for the caller to send.
    /// </summary>
    public static int ReadWindowUpdate(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        // R (1), Window Size Increment (31)
        if (header.Length != 4)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "WINDOW_UPDATE payload not 4 bytes"); // §6.9
        }

        int increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
        if (increment == 0 && header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE with a zero increment");
        }

        return increment;
    }

    /// <summary>RST_STREAM (§6.4): the error code.</summary>
    public static Http2ErrorCode ReadRstStream(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "RST_STREAM on stream 0");
        }

        if (header.Length != 4)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "RST_STREAM payload not 4 bytes");
        }

        return (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload);
    }

    /// <summary>GOAWAY (§6.8): the last stream the peer processed and its error code; the debug data is not read.</summary>
    public static Http2ErrorCode ReadGoAway(FrameHeader header, ReadOnlySpan<byte> payload, out int lastStreamId)
    {
        // R (1), Last-Stream-ID (31), Error Code (32), Additional Debug Data (..)
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "GOAWAY on a stream");
        }

        if (header.Length < 8)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "GOAWAY shorter than 8 bytes");
        }

        lastStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
        return (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
    }

    /// <summary>
    /// PRIORITY (§6.3): deprecated and otherwise ignored, but its framing rules hold. Returns the stream error to send:
    /// FRAME_SIZE_ERROR for a length other than 5, PROTOCOL_ERROR for a stream that depends on itself (§5.3.1), else NoError.
    /// </summary>
    public static Http2ErrorCode ReadPriority(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        // E (1), Stream Dependency (31), Weight (8)
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PRIORITY on stream 0");
        }

        if (header.Length != 5)
        {
            return Http2ErrorCode.FrameSizeError;
        }

        return (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF) == header.StreamId
            ? Http2ErrorCode.ProtocolError
            : Http2ErrorCode.NoError;
    }

    /// <summary>PING (§6.7): checks the frame; the 8 opaque bytes are the payload itself.</summary>
    public static void ReadPing(FrameHeader header)
    {
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PING on a stream");
        }

        if (header.Length != 8)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "PING payload not 8 bytes");
        }
    }
}
