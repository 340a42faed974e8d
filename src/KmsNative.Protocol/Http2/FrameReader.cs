namespace KmsNative.Protocol.Http2;

/// <summary>Splits buffered bytes into frames. Pure: no I/O, no allocation.</summary>
internal static class FrameReader
{
    /// <summary>
    /// Returns false, consuming nothing, until a whole frame is buffered. On true, <paramref name="buffer"/> is
    /// advanced past the frame and <paramref name="payload"/> points into the original memory.
    /// </summary>
    /// <exception cref="Http2ConnectionException">FRAME_SIZE_ERROR when Length exceeds <paramref name="maxFrameSize"/>.</exception>
    public static bool TryRead(ref ReadOnlySpan<byte> buffer, int maxFrameSize, out FrameHeader header, out ReadOnlySpan<byte> payload)
    {
        if (buffer.Length < FrameHeader.Size)
        {
            header = default;
            payload = default;
            return false;
        }

        header = FrameHeader.Read(buffer);
        // RFC 9113 §4.2: a frame larger than our SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR; checked before
        // waiting for its payload so an oversized length never makes us buffer it.
        if (header.Length > maxFrameSize)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"frame of {header.Length} bytes exceeds SETTINGS_MAX_FRAME_SIZE {maxFrameSize}");
        }

        if (buffer.Length < FrameHeader.Size + header.Length)
        {
            payload = default;
            return false;
        }

        payload = buffer.Slice(FrameHeader.Size, header.Length);
        buffer = buffer[(FrameHeader.Size + header.Length)..];
        return true;
    }
}
