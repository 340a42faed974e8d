using System.Diagnostics.CodeAnalysis;

namespace KmsNative.Protocol.Hpack;

/// <summary>Keeps <c>throw</c> out of the HPACK hot paths so they stay small and inlinable.</summary>
internal static class HpackThrowHelper
{
    [DoesNotReturn]
    public static void Throw(string message) => throw new HpackDecodingException(message);
}
