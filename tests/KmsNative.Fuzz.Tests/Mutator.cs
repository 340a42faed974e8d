using System.Buffers.Binary;

namespace KmsNative.Fuzz.Tests;

/// <summary>
/// AFL's havoc stage in miniature, driven by a seeded <see cref="Random"/> so a failure repeats exactly: one to four
/// stacked edits of a seed (bit flips, boundary bytes and words, inserts, deletes, duplicated runs, truncation, splicing
/// with another seed of the same target).
/// </summary>
internal static class Mutator
{
    private static readonly byte[] s_interestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x3F, 0x40, 0x20, 0x10];
    private static readonly uint[] s_interestingWords = [0, 1, 0x7F, 0x80, 0xFF, 0x3FFF, 0x4000, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF];

    public static byte[] Mutate(byte[] seed, IReadOnlyList<byte[]> others, Random random)
    {
        var bytes = new List<byte>(seed);
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits; e++)
        {
            int position = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(10))
            {
                case 0 when bytes.Count > 0:
                    bytes[position] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[position] = (byte)random.Next(256);
                    break;
                case 2 when bytes.Count > 0:
                    bytes[position] = s_interestingBytes[random.Next(s_interestingBytes.Length)];
                    break;
                case 3 when bytes.Count >= 4:
                    // A length or stream id field set to a boundary value (the formats here are big-endian).
                    byte[] word = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(word, s_interestingWords[random.Next(s_interestingWords.Length)]);
                    int at = random.Next(bytes.Count - 3);
                    int width = random.Next(2) == 0 ? 4 : 2;
                    for (int i = 0; i < width; i++)
                    {
                        bytes[at + i] = word[4 - width + i];
                    }

                    break;
                case 4:
                    byte[] insert = new byte[random.Next(1, 9)];
                    random.NextBytes(insert);
                    bytes.InsertRange(position, insert);
                    break;
                case 5 when bytes.Count > 0:
                    bytes.RemoveRange(position, random.Next(1, Math.Min(16, bytes.Count - position) + 1));
                    break;
                case 6 when bytes.Count > 0:
                    int length = random.Next(1, Math.Min(32, bytes.Count - position) + 1);
                    bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(position, length));
                    break;
                case 7 when bytes.Count > 0:
                    bytes.RemoveRange(position, bytes.Count - position);
                    break;
                case 8 when others.Count > 0:
                    // Splice: this seed's head with another seed's tail.
                    byte[] other = others[random.Next(others.Count)];
                    int from = other.Length == 0 ? 0 : random.Next(other.Length);
                    bytes.RemoveRange(position, bytes.Count - position);
                    bytes.AddRange(other.AsSpan(from).ToArray());
                    break;
                default:
                    if (bytes.Count > 0)
                    {
                        bytes[position] = (byte)(bytes[position] + random.Next(-8, 9));
                    }

                    break;
            }
        }

        return [.. bytes];
    }
}
