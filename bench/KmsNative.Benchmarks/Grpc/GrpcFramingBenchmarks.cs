using BenchmarkDotNet.Attributes;
using Grpc.Core;
using KmsNative.Protocol.Grpc;

namespace KmsNative.Benchmarks.Grpc;

/// <summary>The 5-byte length prefix both ways, and grpc-timeout as grpc-go ("u") and grpc-js ("m") send it.</summary>
public class GrpcFramingBenchmarks
{
    private readonly byte[] _prefix = new byte[GrpcFraming.PrefixSize];
    private byte[] _body = null!;

    [GlobalSetup]
    public void Setup() => _body = KmsRequests.GrpcBody(KmsRequests.Encrypt());

    [Benchmark]
    public int ReadUnaryMessage()
    {
        Status status = GrpcFraming.ReadUnaryMessage(_body, 4 * 1024 * 1024, out bool compressed, out int offset, out int length);
        return (int)status.StatusCode + offset + length + (compressed ? 1 : 0);
    }

    [Benchmark]
    public byte WritePrefix()
    {
        GrpcFraming.WritePrefix(_prefix, 50);
        return _prefix[4];
    }

    [Benchmark]
    public TimeSpan ParseTimeoutMicroseconds()
    {
        return GrpcTimeout.TryParse("2995457u"u8, out TimeSpan timeout) ? timeout : TimeSpan.MinValue;
    }

    [Benchmark]
    public TimeSpan ParseTimeoutMilliseconds()
    {
        return GrpcTimeout.TryParse("2980m"u8, out TimeSpan timeout) ? timeout : TimeSpan.MinValue;
    }
}
