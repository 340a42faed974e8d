using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Hpack;

/// <summary>
/// A header block that cannot be decoded. RFC 9113 §4.3: the decoder state is then unknown, so the whole
/// connection ends with COMPRESSION_ERROR.
/// </summary>
internal sealed class HpackDecodingException : Http2ConnectionException
{
    public HpackDecodingException(string message) : base(Http2ErrorCode.CompressionError, message)
    {
    }
}
