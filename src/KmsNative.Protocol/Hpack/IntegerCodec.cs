using System.Diagnostics;

namespace KmsNative.Protocol.Hpack;

/// <summary>RFC 7541 §5.1: integers with an N-bit prefix.</summary>
/// <remarks>
/// <code>
///   0   1   2   3   4   5   6   7
/// +---+---+---+---+---+---+---+---+
/// | ? | ? | ? |       Value       |   value &lt; 2^N - 1 fits in the prefix
/// +---+---+---+-------------------+
/// | ? | ? | ? | 1   1   1   1   1 |   otherwise the prefix is all ones and
/// | 1 |    Value-(2^N-1) LSB      |   the rest follows 7 bits at a time,
/// | 0 |    Value-(2^N-1) MSB      |   least significant group first
/// </code>
/// </remarks>
internal static class IntegerCodec
{
    // 31 bits of int.MaxValue need at most five 7-bit groups after the prefix.
    private const int MaxContinuationBytes = 5;

    /// <summary>
    /// Decodes an integer whose prefix occupies the low <paramref name="prefixBits"/> bits of
    /// <c>source[position]</c>. Returns false, leaving <paramref name="position"/> unchanged, when
    /// <paramref name="source"/> ends before the integer does.
    /// </summary>
    /// <exception cref="HpackDecodingException">The value exceeds <see cref="int.MaxValue"/> or is padded with
    /// redundant zero groups.</exception>
    public static bool TryDecode(ReadOnlySpan<byte> source, ref int position, int prefixBits, out int value)
    {
        Debug.Assert(prefixBits is >= 1 and <= 8);
        int index = position;
        if ((uint)index >= (uint)source.Length)
        {
            value = 0;
            return false;
        }

        int prefixMask = (1 << prefixBits) - 1;
        int prefix = source[index++] & prefixMask;
        if (prefix < prefixMask)
        {
            position = index;
            value = prefix;
            return true;
        }

        long result = prefix;
        int shift = 0;
        for (int count = 1; ; count++)
        {
            if ((uint)index >= (uint)source.Length)
            {
                value = 0;
                return false;
            }

            byte b = source[index++];
            if (count > MaxContinuationBytes)
            {
                HpackThrowHelper.Throw("HPACK integer is too long (RFC 7541 §5.1).");
            }

            result += (long)(b & 0x7F) << shift;
            if (result > int.MaxValue)
            {
                HpackThrowHelper.Throw("HPACK integer exceeds int.MaxValue (RFC 7541 §5.1).");
            }

            if ((b & 0x80) == 0)
            {
                // A final zero group after other groups adds nothing: only a padded encoder emits it, and
                // accepting it would let a peer stretch one integer over arbitrarily many bytes.
                if (b == 0 && count > 1)
                {
                    HpackThrowHelper.Throw("HPACK integer has a redundant zero group (RFC 7541 §5.1).");
                }

                position = index;
                value = (int)result;
                return true;
            }

            shift += 7;
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> with an N-bit prefix; <paramref name="flags"/> supplies the bits above the
    /// prefix in the first byte. Returns false when <paramref name="destination"/> is too small.
    /// </summary>
    public static bool TryEncode(int value, int prefixBits, byte flags, Span<byte> destination, out int bytesWritten)
    {
        Debug.Assert(prefixBits is >= 1 and <= 8);
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        bytesWritten = 0;
        if (destination.IsEmpty)
        {
            return false;
        }

        int prefixMask = (1 << prefixBits) - 1;
        if (value < prefixMask)
        {
            destination[0] = (byte)(flags | value);
            bytesWritten = 1;
            return true;
        }

        destination[0] = (byte)(flags | prefixMask);
        uint rest = (uint)(value - prefixMask);
        int index = 1;
        while (true)
        {
            if ((uint)index >= (uint)destination.Length)
            {
                return false;
            }

            if (rest < 0x80)
            {
                destination[index++] = (byte)rest;
                bytesWritten = index;
                return true;
            }

            destination[index++] = (byte)(0x80 | (rest & 0x7F));
            rest >>= 7;
        }
    }
}
