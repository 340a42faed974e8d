// SPDX-License-Identifier: MIT
namespace KmsNative.InteropTests.KeyVault;

/// <summary>Unpadded base64url (RFC 4648 §5), as Key Vault and Go's base64.RawURLEncoding write it.</summary>
internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public static byte[] Decode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
