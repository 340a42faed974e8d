namespace KmsNative.KeyVault.Configuration;

/// <summary>Log-safe forms of identifiers and secrets.</summary>
internal static class LogRedaction
{
    /// <summary>Stands in for a secret that is set.</summary>
    public const string Hidden = "##### REDACTED #####";

    /// <summary>
    /// The Go plugin's <c>redactClientCredentials</c> shape for strings of 8 or more characters: the first and last four
    /// kept, <c>"aabc##### REDACTED #####c1f9"</c>. Shorter non-empty strings are redacted entirely, where the Go plugin's
    /// regular expression does not match and logs them verbatim.
    /// </summary>
    public static string Redact(string value)
    {
        if (value.Length == 0)
        {
            return "";
        }

        if (value.Length < 8)
        {
            return Hidden;
        }

        return string.Concat(value.AsSpan(0, 4), Hidden, value.AsSpan(value.Length - 4));
    }
}
