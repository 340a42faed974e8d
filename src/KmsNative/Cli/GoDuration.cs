namespace KmsNative.Cli;

/// <summary>time.ParseDuration: a sequence of decimal numbers with units ns, us (µs), ms, s, m, h, e.g. "20s", "1.5h", "2h45m"; "0" alone is allowed.</summary>
internal static class GoDuration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        string s = text;
        bool negative = false;
        if (s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0)
        {
            return false;
        }

        decimal totalNanoseconds = 0;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            string number = s[start..i];
            if (number.Length == 0 || number == "." || number.Count(c => c == '.') > 1)
            {
                return false;
            }

            int unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            decimal unit = s[unitStart..i] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => 0m,
            };
            if (unit == 0m || !decimal.TryParse(number, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out decimal amount))
            {
                return false;
            }

            // Go: "invalid duration" past about 292 years. Checked before multiplying, because a long number of hours
            // overflows decimal itself (found by fuzzing: an OverflowException instead of a flag error).
            if (amount > long.MaxValue / unit)
            {
                return false;
            }

            totalNanoseconds += amount * unit;
            if (totalNanoseconds > long.MaxValue)
            {
                return false; // Go: "invalid duration" past about 292 years
            }
        }

        long ticks = (long)(totalNanoseconds / 100m);
        duration = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }
}
