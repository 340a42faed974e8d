using System.Text;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// grpc-message values are percent-encoded UTF-8 (gRPC over HTTP/2, "Status-Message"): bytes outside
/// 0x20–0x7E and '%' itself become %XX, so any message survives HPACK and HTTP/2 field-value rules.
/// </summary>
internal static class GrpcMessageEncoding
{
    public static byte[] Encode(string message)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(message);
        int length = 0;
        foreach (byte b in utf8)
        {
            length += NeedsEscape(b) ? 3 : 1;
        }

        if (length == utf8.Length)
        {
            return utf8;
        }

        byte[] encoded = new byte[length];
        int i = 0;
        foreach (byte b in utf8)
        {
            if (NeedsEscape(b))
            {
                encoded[i++] = (byte)'%';
                encoded[i++] = HexDigit(b >> 4);
                encoded[i++] = HexDigit(b & 0xF);
            }
            else
            {
                encoded[i++] = b;
            }
        }

        return encoded;
    }

    /// <summary>The inverse, for tests and clients: malformed escapes are kept as they are, as the spec asks.</summary>
    public static string Decode(ReadOnlySpan<byte> encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (int i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == (byte)'%' && i + 2 < encoded.Length && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
            {
                bytes.Add((byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2])));
                i += 2;
            }
            else
            {
                bytes.Add(encoded[i]);
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool NeedsEscape(byte b) => b is < 0x20 or > 0x7E or (byte)'%';

    private static byte HexDigit(int value) => (byte)(value < 10 ? '0' + value : 'A' + value - 10);

    private static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
