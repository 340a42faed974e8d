namespace KmsNative.Protocol.Http2;

/// <summary>A connection error (RFC 9113 §5.4.1): the connection answers with GOAWAY(<see cref="ErrorCode"/>) and closes.</summary>
internal class Http2ConnectionException : Exception
{
    public Http2ConnectionException(Http2ErrorCode errorCode, string message) : base(message)
    {
        ErrorCode = errorCode;
    }

    public Http2ErrorCode ErrorCode { get; }
}
