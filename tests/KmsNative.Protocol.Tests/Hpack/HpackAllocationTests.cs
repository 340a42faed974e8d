using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Tests.Hpack;

/// <summary>The allocation gate for the request hot path: decoding a typical block allocates nothing.</summary>
public class HpackAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_KubeApiServerBlockAfterWarmUp_AllocatesNothing(bool huffman)
    {
        byte[] block = huffman ? KubeApiServerBlock.Huffman : KubeApiServerBlock.Raw;
        byte[] indexed = [0x83, 0x86, 0xC3, 0xC2, 0xC1, 0xC0, 0xBF, 0xBE]; // the same request once all is indexed
        var decoder = new HpackDecoder();
        for (int i = 0; i < 10; i++)
        {
            decoder.Decode(block, NoOpHandler.Instance);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            // Every literal inserts, so this also runs eviction and compaction of the dynamic table.
            decoder.Decode(block, NoOpHandler.Instance);
            decoder.Decode(indexed, NoOpHandler.Instance);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
