using System.Globalization;

namespace KmsNative.Cli;

/// <summary>strconv.ParseInt(s, 0, 64) as Go's flag package calls it: sign, 0x/0o/0b/leading-0 prefixes, underscores between digits.</summary>
internal static class GoNumber
{
    public static bool TryParseInteger(string text, out long value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        bool negative = false;
        string s = text;
        if (s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        int radix = 10;
        bool prefixed = false; // a base prefix, including the lone leading 0 of octal
        if (s.Length > 1 && s[0] == '0')
        {
            (radix, int prefixLength) = char.ToLowerInvariant(s[1]) switch
            {
                'x' => (16, 2),
                'o' => (8, 2),
                'b' => (2, 2),
                _ => (8, 1),
            };
            s = s[prefixLength..];
            prefixed = true;
        }

        // Underscores may only separate digits, where a base prefix counts as a digit (strconv's underscoreOK).
        if (s.Contains('_', StringComparison.Ordinal))
        {
            if ((s.StartsWith('_') && !prefixed) || s.EndsWith('_') || s.Contains("__", StringComparison.Ordinal))
            {
                return false;
            }

            s = s.Replace("_", "", StringComparison.Ordinal);
        }

        if (s.Length == 0)
        {
            return false; // "0x" and friends
        }

        ulong magnitude = 0;
        foreach (char c in s)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }

            if (magnitude > (ulong.MaxValue - (ulong)digit) / (ulong)radix)
            {
                return false;
            }

            magnitude = magnitude * (ulong)radix + (ulong)digit;
        }

        if (magnitude > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue))
        {
            return false;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
