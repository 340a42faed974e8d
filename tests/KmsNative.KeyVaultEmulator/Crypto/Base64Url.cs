namespace KmsNative.KeyVaultEmulator.Crypto;

/// <summary>RFC 4648 §5 base64url. Key Vault writes it unpadded and, like the service, we also accept padded input.</summary>
internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data) => System.Buffers.Text.Base64Url.EncodeToString(data);

    /// <summary>Returns false for anything that is not base64url (standard '+' and '/' are rejected).</summary>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null)
        {
            return false;
        }
        string trimmed = text.TrimEnd('=');
        if (!System.Buffers.Text.Base64Url.IsValid(trimmed))
        {
            return false;
        }
        try
        {
            bytes = System.Buffers.Text.Base64Url.DecodeFromChars(trimmed);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
