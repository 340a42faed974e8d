namespace KmsNative.Protocol.Grpc;

/// <summary>A bound unary method, with its request and response types hidden behind the call.</summary>
internal interface IUnaryMethod
{
    string FullName { get; }

    /// <summary>
    /// Deserializes <paramref name="message"/> (valid only during this call) and starts the handler.
    /// Runs on the connection's read loop: it returns as soon as the handler awaits.
    /// </summary>
    void Start(GrpcCall call, ReadOnlyMemory<byte> message);
}
