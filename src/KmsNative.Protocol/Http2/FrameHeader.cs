using System.Buffers.Binary;
using System.Diagnostics;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// RFC 9113 §4.1, the 9-byte frame header:
/// <code>
/// +-----------------------------------------------+
/// |                 Length (24)                   |
/// +---------------+---------------+---------------+
/// |   Type (8)    |   Flags (8)   |
/// +-+-------------+---------------+-------------------------------+
/// |R|                 Stream Identifier (31)                      |
/// +=+=============================================================+
/// </code>
/// </summary>
internal readonly record struct FrameHeader(int Length, FrameType Type, FrameFlags Flags, int StreamId)
{
    public const int Size = 9;

    public bool HasFlag(FrameFlags flag) => (Flags & flag) != 0;

    public static FrameHeader Read(ReadOnlySpan<byte> source)
    {
        Debug.Assert(source.Length >= Size);
        int length = (source[0] << 16) | (source[1] << 8) | source[2];
        // §4.1: the reserved bit is ignored on receipt.
        int streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(source[5..]) & 0x7FFF_FFFF);
        return new FrameHeader(length, (FrameType)source[3], (FrameFlags)source[4], streamId);
    }

    public void Write(Span<byte> destination)
    {
        Debug.Assert(destination.Length >= Size && (uint)Length <= 0xFF_FFFF);
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId & 0x7FFF_FFFF);
    }
}
