namespace KmsNative.Protocol.Tests.Http2;

/// <summary>
/// Ways to cut a byte stream into the pieces a socket might deliver. Each entry maps the wire length to the sizes
/// of consecutive reads; the last piece takes whatever is left.
/// </summary>
internal static class Chunking
{
    public static TheoryData<string> Names => ["whole", "one byte at a time", "split inside the frame header", "split after the frame header", "random"];

    public static IEnumerable<ReadOnlyMemory<byte>> Split(string name, byte[] wire, int seed = 7)
    {
        switch (name)
        {
            case "whole":
                yield return wire;
                break;
            case "one byte at a time":
                for (int i = 0; i < wire.Length; i++)
                {
                    yield return wire.AsMemory(i, 1);
                }

                break;
            case "split inside the frame header":
                yield return wire.AsMemory(0, Math.Min(4, wire.Length));
                if (wire.Length > 4)
                {
                    yield return wire.AsMemory(4);
                }

                break;
            case "split after the frame header":
                yield return wire.AsMemory(0, Math.Min(9, wire.Length));
                if (wire.Length > 9)
                {
                    yield return wire.AsMemory(9);
                }

                break;
            case "random":
                var random = new Random(seed);
                for (int offset = 0; offset < wire.Length;)
                {
                    int size = Math.Min(random.Next(1, 20), wire.Length - offset);
                    yield return wire.AsMemory(offset, size);
                    offset += size;
                }

                break;
            default:
                throw new ArgumentException($"unknown chunking {name}", nameof(name));
        }
    }
}
