using KmsNative.Protocol.Http2;

namespace KmsNative.Fuzz.Targets;

/// <summary>
/// The read loop's framing step: cut frames until FrameReader asks for more bytes. Expected: Http2ConnectionException
/// (FRAME_SIZE_ERROR). Checked: every frame it returns lies inside the input and matches its header's length.
/// </summary>
internal static class FrameReaderTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        // The first byte picks our SETTINGS_MAX_FRAME_SIZE: the default (most inputs) or the largest allowed, so both
        // the limit check and large lengths are reached.
        if (input.IsEmpty)
        {
            return;
        }

        int maxFrameSize = (input[0] & 1) == 0 ? Http2Limits.DefaultMaxFrameSize : 0xFF_FFFF;
        ReadOnlySpan<byte> buffer = input[1..];
        try
        {
            while (true)
            {
                int before = buffer.Length;
                if (!FrameReader.TryRead(ref buffer, maxFrameSize, out FrameHeader header, out ReadOnlySpan<byte> payload))
                {
                    // "Consuming nothing" is part of the contract the read loop relies on.
                    Invariant.Check(buffer.Length == before, "TryRead returned false but consumed bytes");
                    return;
                }

                Invariant.Check(payload.Length == header.Length, "payload length differs from the header's");
                Invariant.Check(header.Length <= maxFrameSize, "frame larger than SETTINGS_MAX_FRAME_SIZE accepted");
                Invariant.Check(before - buffer.Length == FrameHeader.Size + header.Length, "consumed length differs from the frame's");
                Invariant.Check(header.StreamId >= 0, "stream id with the R bit set");
            }
        }
        catch (Http2ConnectionException)
        {
            // FRAME_SIZE_ERROR: the documented rejection.
        }
    }
}
