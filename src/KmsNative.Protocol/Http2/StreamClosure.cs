namespace KmsNative.Protocol.Http2;

/// <summary>How a stream came to be closed (RFC 9113 §5.1), which decides what a late frame on it means.</summary>
internal enum StreamClosure : byte
{
    /// <summary>Not remembered: never opened, or closed too long ago.</summary>
    Unknown,

    /// <summary>We ended or reset it before the peer ended it: its frames in flight are expected and ignored.</summary>
    ClosedByUs,

    /// <summary>The peer reset it: any frame but PRIORITY is a stream error STREAM_CLOSED (§5.1 "closed").</summary>
    ResetByPeer,

    /// <summary>Both sides ended it: a frame after the peer's END_STREAM is a connection error STREAM_CLOSED (§5.1).</summary>
    EndedByPeer,
}
