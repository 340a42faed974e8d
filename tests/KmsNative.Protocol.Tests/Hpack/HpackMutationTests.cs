using KmsNative.Protocol.Hpack;
using static KmsNative.Protocol.Tests.Hpack.HpackAssert;

namespace KmsNative.Protocol.Tests.Hpack;

/// <summary>
/// Seeded random damage to valid header blocks. Every result must be a decode or our
/// <see cref="HpackDecodingException"/>; anything else (IndexOutOfRange, ArgumentException, …) is a bug.
/// </summary>
public class HpackMutationTests
{
    // Each sequence is decoded in order by one decoder; the mutated block is preceded by its valid predecessors so
    // that its dynamic-table references can still resolve.
    private static readonly (int TableSize, byte[][] Blocks)[] s_sequences =
    [
        (4096, [KubeApiServerBlock.Raw, [0x83, 0x86, 0xC3, 0xC2, 0xC1, 0xC0, 0xBF, 0xBE]]),
        (4096, [KubeApiServerBlock.Huffman]),
        (4096, [Hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")]),                  // C.2.1
        (4096, [Hex("040c 2f73 616d 706c 652f 7061 7468")]),                                                // C.2.2
        (4096, [Hex("1008 7061 7373 776f 7264 0673 6563 7265 74")]),                                        // C.2.3
        (4096, [Hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),                                   // C.3
                Hex("8286 84be 5808 6e6f 2d63 6163 6865"),
                Hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65")]),
        (4096, [Hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),                                         // C.4
                Hex("8286 84be 5886 a8eb 1064 9cbf"),
                Hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")]),
        (256, [Hex("4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"), // C.5
               Hex("4803 3330 37c1 c0bf"),
               Hex("88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31")]),
        (256, [Hex("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"), // C.6
               Hex("4883 640e ffc1 c0bf"),
               Hex("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07")]),
    ];

    [Fact]
    public void Decode_MutatedBlocks_DecodeOrThrowHpackDecodingException()
    {
        var random = new Random(20_240_601);
        int decoded = 0;
        int rejected = 0;
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            var (tableSize, blocks) = s_sequences[random.Next(s_sequences.Length)];
            int target = random.Next(blocks.Length);
            byte[] mutated = Mutate(blocks[target], random);

            // A small list limit in some runs also exercises the "too large" path on damaged input.
            var decoder = new HpackDecoder(tableSize, maxHeaderListSize: random.Next(4) == 0 ? 64 : 16 * 1024);
            var handler = new RecordingHandler();
            for (int i = 0; i < target; i++)
            {
                decoder.Decode(blocks[i], handler);
            }

            try
            {
                decoder.Decode(mutated, handler);
                decoded++;
            }
            catch (HpackDecodingException)
            {
                rejected++;
                continue;
            }

            // The decoder is still usable afterwards: the following valid blocks decode or fail cleanly too.
            for (int i = target + 1; i < blocks.Length; i++)
            {
                try
                {
                    decoder.Decode(blocks[i], handler);
                }
                catch (HpackDecodingException)
                {
                    // Expected when the mutation changed what the table holds.
                }
            }
        }

        // Both outcomes must actually occur, or the mutations are too weak or too strong to mean anything.
        Assert.True(decoded > 100, $"decoded {decoded}");
        Assert.True(rejected > 100, $"rejected {rejected}");
    }

    private static byte[] Mutate(byte[] block, Random random)
    {
        byte[] result = (byte[])block.Clone();
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations && result.Length > 0; m++)
        {
            switch (random.Next(4))
            {
                case 0: // flip one bit
                    result[random.Next(result.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // replace a byte
                    result[random.Next(result.Length)] = (byte)random.Next(256);
                    break;
                case 2: // truncate
                    result = result[..random.Next(result.Length)];
                    break;
                default: // set a byte to a boundary value
                    result[random.Next(result.Length)] = random.Next(2) == 0 ? (byte)0xFF : (byte)0x80;
                    break;
            }
        }

        return result;
    }
}
