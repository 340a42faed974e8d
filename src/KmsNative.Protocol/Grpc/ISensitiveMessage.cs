namespace KmsNative.Protocol.Grpc;

/// <summary>
/// A request or response message that carries secret bytes (a plaintext DEK). The server zeroes them once the
/// handler is done with the request, and once the response has been serialized.
/// </summary>
internal interface ISensitiveMessage
{
    void ZeroSecrets();
}
