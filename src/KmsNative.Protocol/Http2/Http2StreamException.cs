namespace KmsNative.Protocol.Http2;

/// <summary>A stream error (RFC 9113 §5.4.2): that stream is reset with RST_STREAM; the connection goes on.</summary>
internal sealed class Http2StreamException : Exception
{
    public Http2StreamException(int streamId, Http2ErrorCode errorCode, string message) : base(message)
    {
        StreamId = streamId;
        ErrorCode = errorCode;
    }

    public int StreamId { get; }

    public Http2ErrorCode ErrorCode { get; }
}
