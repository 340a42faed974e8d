using KmsNative.Protocol.Http2;

namespace KmsNative.Http2Testing;

/// <summary>One stream's response as the test peer saw it.</summary>
internal sealed class TestResponse
{
    public List<TestFrame> Frames { get; } = [];

    public List<(string Name, string Value)> Headers { get; } = [];

    public List<byte> Data { get; } = [];

    public List<(string Name, string Value)> Trailers { get; } = [];

    public Http2ErrorCode? ResetCode { get; set; }

    /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only response.</summary>
    public string? GrpcStatus => Field("grpc-status", Trailers) ?? Field("grpc-status", Headers);

    /// <summary>grpc-message as sent (still percent-encoded), from the trailers or a Trailers-Only response.</summary>
    public string? GrpcMessage => Field("grpc-message", Trailers) ?? Field("grpc-message", Headers);

    public string? Status => Field(":status", Headers);

    private static string? Field(string name, List<(string Name, string Value)> fields) =>
        fields.Where(f => f.Name == name).Select(f => f.Value).FirstOrDefault();
}
