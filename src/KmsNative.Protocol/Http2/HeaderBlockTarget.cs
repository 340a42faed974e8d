namespace KmsNative.Protocol.Http2;

/// <summary>What a received field block is for, decided when its HEADERS frame arrives.</summary>
internal enum HeaderBlockTarget : byte
{
    /// <summary>The request headers of a new stream.</summary>
    NewStream,

    /// <summary>The trailers of an open stream (RFC 9113 §8.1): checked, then dropped.</summary>
    Trailers,

    /// <summary>Decoded only to keep HPACK in step (§4.3), then dropped; the stream may be reset afterwards.</summary>
    Discard,
}
