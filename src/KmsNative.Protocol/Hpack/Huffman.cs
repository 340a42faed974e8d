using System.Diagnostics;

namespace KmsNative.Protocol.Hpack;

/// <summary>RFC 7541 §5.2 and Appendix B: the static Huffman code for string literals.</summary>
/// <remarks>
/// Appendix B is a canonical code: within one code length the codes count up in symbol order, and each length
/// starts at (last code of the previous length + 1) shifted left. So the 257 code lengths below determine every
/// code, and the tables are built from them once, at type initialization.
/// <para>
/// Decoding walks a 4-bit-at-a-time state machine over the code tree. The 256 states are the tree's internal
/// nodes (root = 0). A transition consumes one nibble and may emit one symbol: no code is shorter than 5 bits,
/// so a nibble can never finish two. Each byte costs two table lookups and no branches on individual bits.
/// </para>
/// </remarks>
internal static class Huffman
{
    private const int EosSymbol = 256;
    private const int StateCount = 256;

    // Transition entry layout: bits 0-7 next state, bits 8-15 emitted symbol, then the flags below.
    private const uint EmitFlag = 1u << 16;
    private const uint AcceptFlag = 1u << 17;   // the next state is a valid place for the string to end
    private const uint FailFlag = 1u << 18;     // the nibble completed EOS

    // RFC 7541 Appendix B, the "len" column, indexed by symbol (256 = EOS).
    private static ReadOnlySpan<byte> CodeLengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,   // 0-15
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,   // 16-31
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,   // 32-47
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,   // 48-63
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,   // 64-79
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,   // 80-95
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,   // 96-111
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,   // 112-127
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,   // 128-143
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,   // 144-159
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,   // 160-175
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,   // 176-191
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,   // 192-207
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,   // 208-223
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,   // 224-239
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,   // 240-255
        30,   // 256-256
    ];

    // Code of each symbol, right-aligned (RFC 7541 Appendix B "code as hex").
    private static readonly uint[] s_codes = BuildCodes();

    // [state * 16 + nibble] -> transition entry.
    private static readonly uint[] s_transitions = BuildTransitions();

    /// <summary>The largest possible decoded length for <paramref name="encodedLength"/> bytes: 5 bits per symbol at best.</summary>
    /// <remarks>Clamped to <see cref="Array.MaxLength"/> so that a huge length claimed by a peer cannot overflow.</remarks>
    public static int GetMaxDecodedLength(int encodedLength) => (int)Math.Min(encodedLength * 8L / 5, Array.MaxLength);

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/> and returns the number of bytes written.
    /// </summary>
    /// <exception cref="HpackDecodingException">RFC 7541 §5.2: the string contains EOS, or its padding is longer than
    /// 7 bits or not all ones.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small; <see cref="GetMaxDecodedLength"/>
    /// or <see cref="GetDecodedLength"/> gives a size that is always enough.</exception>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        uint[] transitions = s_transitions;
        uint state = 0;
        uint entry = AcceptFlag; // an empty string is valid
        int written = 0;
        for (int i = 0; i < source.Length; i++)
        {
            int b = source[i];
            entry = transitions[(state << 4) | (uint)(b >> 4)];
            if ((entry & (EmitFlag | FailFlag)) != 0)
            {
                written = Emit(entry, destination, written);
            }

            state = entry & 0xFF;
            entry = transitions[(state << 4) | (uint)(b & 0xF)];
            if ((entry & (EmitFlag | FailFlag)) != 0)
            {
                written = Emit(entry, destination, written);
            }

            state = entry & 0xFF;
        }

        CheckPadding(entry);
        return written;
    }

    /// <summary>Validates <paramref name="source"/> as <see cref="Decode"/> does and returns its decoded length, writing nothing.</summary>
    /// <exception cref="HpackDecodingException">As for <see cref="Decode"/>.</exception>
    public static int GetDecodedLength(ReadOnlySpan<byte> source)
    {
        uint[] transitions = s_transitions;
        uint state = 0;
        uint entry = AcceptFlag;
        int length = 0;
        for (int i = 0; i < source.Length; i++)
        {
            int b = source[i];
            entry = transitions[(state << 4) | (uint)(b >> 4)];
            length += Count(entry);
            state = entry & 0xFF;
            entry = transitions[(state << 4) | (uint)(b & 0xF)];
            length += Count(entry);
            state = entry & 0xFF;
        }

        CheckPadding(entry);
        return length;
    }

    /// <summary>The number of bytes <see cref="TryEncode"/> writes for <paramref name="source"/>.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> source)
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        long bits = 0;
        foreach (byte b in source)
        {
            bits += lengths[b];
        }

        return (int)((bits + 7) >> 3);
    }

    /// <summary>
    /// Huffman-encodes <paramref name="source"/>, padding the last byte with the most significant bits of EOS
    /// (all ones, RFC 7541 §5.2). Returns false when <paramref name="destination"/> is too small.
    /// </summary>
    public static bool TryEncode(ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten)
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        uint[] codes = s_codes;
        ulong pending = 0; // right-aligned bits not yet written
        int pendingBits = 0;
        int written = 0;
        foreach (byte b in source)
        {
            // At most 7 bits are left over from the previous symbol, plus 30 for this one: fits in 64.
            pending = (pending << lengths[b]) | codes[b];
            pendingBits += lengths[b];
            while (pendingBits >= 8)
            {
                pendingBits -= 8;
                if ((uint)written >= (uint)destination.Length)
                {
                    bytesWritten = 0;
                    return false;
                }

                destination[written++] = (byte)(pending >> pendingBits);
            }
        }

        if (pendingBits > 0)
        {
            if ((uint)written >= (uint)destination.Length)
            {
                bytesWritten = 0;
                return false;
            }

            destination[written++] = (byte)((pending << (8 - pendingBits)) | (0xFFu >> pendingBits));
        }

        bytesWritten = written;
        return true;
    }

    private static int Emit(uint entry, Span<byte> destination, int written)
    {
        if ((entry & FailFlag) != 0)
        {
            // RFC 7541 §5.2: a string literal that contains the EOS symbol is a decoding error.
            HpackThrowHelper.Throw("Huffman-encoded string contains EOS (RFC 7541 §5.2).");
        }

        if ((uint)written >= (uint)destination.Length)
        {
            throw new ArgumentException("Destination is too small for the decoded string.", nameof(destination));
        }

        destination[written] = (byte)(entry >> 8);
        return written + 1;
    }

    private static int Count(uint entry)
    {
        if ((entry & FailFlag) != 0)
        {
            HpackThrowHelper.Throw("Huffman-encoded string contains EOS (RFC 7541 §5.2).");
        }

        return (int)((entry & EmitFlag) >> 16);
    }

    private static void CheckPadding(uint lastEntry)
    {
        // RFC 7541 §5.2: padding longer than 7 bits, or padding that is not a prefix of EOS (all ones), is a
        // decoding error. Both leave the machine outside the accepting states built in BuildTransitions.
        if ((lastEntry & AcceptFlag) == 0)
        {
            HpackThrowHelper.Throw("Huffman-encoded string has invalid padding (RFC 7541 §5.2).");
        }
    }

    private static uint[] BuildCodes()
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        var codes = new uint[EosSymbol + 1];
        uint next = 0;
        for (int length = 1; length <= 30; length++)
        {
            for (int symbol = 0; symbol <= EosSymbol; symbol++)
            {
                if (lengths[symbol] == length)
                {
                    codes[symbol] = next++;
                }
            }

            next <<= 1;
        }

        return codes;
    }

    private static uint[] BuildTransitions()
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        uint[] codes = s_codes;

        // The code tree: children[node * 2 + bit] is an internal node (>= 0) or a leaf (~symbol, < 0).
        const int Unset = int.MinValue;
        var children = new int[StateCount * 2];
        Array.Fill(children, Unset);
        int nodeCount = 1;
        for (int symbol = 0; symbol <= EosSymbol; symbol++)
        {
            int node = 0;
            for (int bit = lengths[symbol] - 1; bit > 0; bit--)
            {
                ref int child = ref children[node * 2 + (int)((codes[symbol] >> bit) & 1)];
                if (child == Unset)
                {
                    child = nodeCount++;
                }

                node = child;
            }

            children[node * 2 + (int)(codes[symbol] & 1)] = ~symbol;
        }

        Debug.Assert(nodeCount == StateCount, "A complete code over 257 symbols has 256 internal nodes.");

        // RFC 7541 §5.2: a string may end after up to 7 one bits following its last symbol. Those are the nodes
        // reached from the root along 0 to 7 ones.
        var accepting = new bool[StateCount];
        for (int node = 0, ones = 0; ones <= 7; ones++)
        {
            accepting[node] = true;
            node = children[node * 2 + 1];
        }

        var transitions = new uint[StateCount * 16];
        for (int state = 0; state < StateCount; state++)
        {
            for (int nibble = 0; nibble < 16; nibble++)
            {
                int node = state;
                uint flags = 0;
                uint symbol = 0;
                for (int bit = 3; bit >= 0; bit--)
                {
                    int child = children[node * 2 + ((nibble >> bit) & 1)];
                    if (child >= 0)
                    {
                        node = child;
                        continue;
                    }

                    if (~child == EosSymbol)
                    {
                        flags = FailFlag;
                        node = 0;
                        break;
                    }

                    symbol = (uint)~child;
                    flags = EmitFlag;
                    node = 0;
                }

                if (flags != FailFlag && accepting[node])
                {
                    flags |= AcceptFlag;
                }

                transitions[state * 16 + nibble] = (uint)node | (symbol << 8) | flags;
            }
        }

        return transitions;
    }
}
