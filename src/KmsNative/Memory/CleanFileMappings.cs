using System.Globalization;

namespace KmsNative.Memory;

/// <summary>An address range of the process, [Start, End).</summary>
internal readonly record struct AddressRange(ulong Start, ulong End)
{
    public ulong Length => End - Start;
}

/// <summary>
/// Reads <c>/proc/self/smaps</c> and returns the mappings whose pages can be dropped and read back from their file
/// unchanged: private, not writable, backed by a file that still exists, and without a single anonymous (copied on
/// write) page. The last condition keeps out what the dynamic loader relocated and then made read-only (RELRO): its
/// pages differ from the file, and reading them back would undo the relocations.
/// </summary>
internal static class CleanFileMappings
{
    public static List<AddressRange> Parse(string smaps)
    {
        var clean = new List<AddressRange>();
        AddressRange? current = null;
        foreach (string line in smaps.Split('\n'))
        {
            if (TryParseHeader(line, out AddressRange range, out bool eligible))
            {
                current = eligible ? range : null;
            }
            else if (current is { } candidate && line.StartsWith("Anonymous:", StringComparison.Ordinal))
            {
                if (line.AsSpan("Anonymous:".Length).Trim().SequenceEqual("0 kB"))
                {
                    clean.Add(candidate);
                }

                current = null;
            }
        }

        return clean;
    }

    // "55facaca9000-55facb1f5000 r-xp 00012000 fe:00 5310959    /work/main/artifacts/kmsnative"
    private static bool TryParseHeader(string line, out AddressRange range, out bool eligible)
    {
        range = default;
        eligible = false;
        string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        int dash = fields.Length < 5 || fields[1].Length != 4 ? -1 : fields[0].IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0)
        {
            return false;
        }

        if (!ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start)
            || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong end)
            || end <= start)
        {
            return false;
        }

        range = new AddressRange(start, end);
        string permissions = fields[1];
        string path = fields.Length == 6 ? fields[5].Trim() : "";
        eligible = permissions[0] == 'r' && permissions[1] == '-' && permissions[3] == 'p'
            && path.StartsWith('/') && !path.EndsWith(" (deleted)", StringComparison.Ordinal);
        return true;
    }
}
