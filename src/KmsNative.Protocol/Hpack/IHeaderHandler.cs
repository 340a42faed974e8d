namespace KmsNative.Protocol.Hpack;

/// <summary>Receives the fields of a decoded header block, in order.</summary>
/// <remarks>The spans are valid only during the call: the decoder reuses its buffers for the next field.</remarks>
internal interface IHeaderHandler
{
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
