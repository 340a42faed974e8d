
namespace KmsNative.KeyVault.Client;

/// <summary>Unpadded base64url (RFC 4648 §5), as Key Vault's JSON Web Key values and Go's base64.RawURLEncoding.</summary>
internal static class Base64UrlCodec
{
    public static string Encode(ReadOnlySpan<byte> data) => System.Buffers.Text.Base64Url.EncodeToString(data);

    /// <summary>Strict, as Go's RawURLEncoding: padding or characters outside the URL alphabet are errors.</summary>
    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Contains('=', StringComparison.Ordinal) || !System.Buffers.Text.Base64Url.IsValid(text))
        {
            return false;
        }

        bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);
        return true;
    }
}
