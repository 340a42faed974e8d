using BenchmarkDotNet.Attributes;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Benchmarks.Hpack;

/// <summary>
/// Decoding kube-apiserver's Encrypt request block. First: all six literals, each inserted into the dynamic table
/// (so this also runs eviction). Indexed: the one-byte-per-field block of every later request. Budget: 0 B.
/// </summary>
public class HpackDecodeBenchmarks
{
    private HpackDecoder _decoder = null!;
    private byte[] _first = null!;

    [Params(false, true)]
    public bool Huffman { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _first = Huffman ? KubeApiServerHeaderBlock.FirstHuffman : KubeApiServerHeaderBlock.First;
        _decoder = new HpackDecoder();
        _decoder.Decode(_first, NoOpHeaderHandler.Instance);
    }

    [Benchmark]
    public bool DecodeFirstBlock() => _decoder.Decode(_first, NoOpHeaderHandler.Instance);

    [Benchmark]
    public bool DecodeIndexedBlock() => _decoder.Decode(KubeApiServerHeaderBlock.Indexed, NoOpHeaderHandler.Instance);
}
