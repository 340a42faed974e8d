using BenchmarkDotNet.Attributes;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Benchmarks.Hpack;

/// <summary>
/// What the server encodes per call: response headers (:status 200, content-type application/grpc) and trailers
/// (grpc-status 0, or an error with grpc-message), written raw into a span. Also Huffman-encoding the :path, for scale.
/// </summary>
public class HpackEncodeBenchmarks
{
    private static readonly byte[] s_path = "/v2.KeyManagementService/Encrypt"u8.ToArray();
    private static readonly byte[] s_message = "key id 'in-memory-0123456789abcdef' does not match the current key id"u8.ToArray();
    private readonly byte[] _destination = new byte[512];

    [Benchmark]
    public int EncodeResponseHeadersAndOkTrailers()
    {
        Span<byte> destination = _destination;
        HpackEncoder.TryWriteIndexed(8, destination, out int written);                                   // :status 200
        int total = written;
        HpackEncoder.TryWriteLiteralWithoutIndexing(31, "application/grpc"u8, destination[total..], out written);
        total += written;
        HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-status"u8, "0"u8, destination[total..], out written);
        return total + written;
    }

    [Benchmark]
    public int EncodeErrorTrailers()
    {
        Span<byte> destination = _destination;
        HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-status"u8, "3"u8, destination, out int written);
        int total = written;
        HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-message"u8, s_message, destination[total..], out written);
        return total + written;
    }

    [Benchmark]
    public int HuffmanEncodePath()
    {
        Huffman.TryEncode(s_path, _destination, out int written);
        return written;
    }
}
