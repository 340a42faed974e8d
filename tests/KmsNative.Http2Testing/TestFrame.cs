using System.Buffers.Binary;
using KmsNative.Protocol.Http2;

namespace KmsNative.Http2Testing;

/// <summary>A frame as the test peer received it.</summary>
internal sealed record TestFrame(FrameType Type, FrameFlags Flags, int StreamId, byte[] Payload)
{
    public bool HasFlag(FrameFlags flag) => (Flags & flag) != 0;

    /// <summary>The error code of a RST_STREAM or GOAWAY frame.</summary>
    public Http2ErrorCode ErrorCode => (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(Type == FrameType.GoAway ? Payload.AsSpan(4) : Payload);

    /// <summary>The last stream id of a GOAWAY frame.</summary>
    public int LastStreamId => (int)BinaryPrimitives.ReadUInt32BigEndian(Payload);

    /// <summary>The increment of a WINDOW_UPDATE frame.</summary>
    public int WindowIncrement => (int)BinaryPrimitives.ReadUInt32BigEndian(Payload);

    public override string ToString() => $"{Type} flags={Flags} stream={StreamId} length={Payload.Length}";
}
