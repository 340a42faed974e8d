namespace KmsNative.Protocol.Http2;

/// <summary>RFC 9113 §6: frame flags. The same bit means different things per frame type (ACK and END_STREAM are both 0x1).</summary>
[Flags]
internal enum FrameFlags : byte
{
    None = 0x0,
    EndStream = 0x1,
#pragma warning disable CA1069 // RFC 9113 defines both names for bit 0x1: END_STREAM on DATA/HEADERS, ACK on SETTINGS/PING.
    Ack = 0x1,
#pragma warning restore CA1069
    EndHeaders = 0x4,
    Padded = 0x8,
    Priority = 0x20,
}
