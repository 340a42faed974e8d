using System.Buffers.Binary;

namespace KmsNative.Fuzz;

/// <summary>
/// Splits one fuzz input into several parts, for targets whose state spans parts (HPACK's dynamic table across header
/// blocks). Each part is a 16-bit big-endian length and that many bytes; a length past the end takes what remains,
/// so every input is valid and a mutation of a length only moves a boundary.
/// </summary>
internal ref struct Chunks(ReadOnlySpan<byte> input)
{
    private ReadOnlySpan<byte> _rest = input;

    public bool TryNext(out ReadOnlySpan<byte> chunk)
    {
        if (_rest.Length < 2)
        {
            chunk = default;
            return false;
        }

        int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(_rest), _rest.Length - 2);
        chunk = _rest.Slice(2, length);
        _rest = _rest[(2 + length)..];
        return true;
    }

    /// <summary>The inverse, for seeds: the parts with their length prefixes.</summary>
    public static byte[] Join(params ReadOnlySpan<byte[]> parts)
    {
        var result = new List<byte>();
        foreach (byte[] part in parts)
        {
            result.Add((byte)(part.Length >> 8));
            result.Add((byte)part.Length);
            result.AddRange(part);
        }

        return [.. result];
    }
}
