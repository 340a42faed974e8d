namespace KmsNative.Fuzz.Tests;

/// <summary>The checked-in seeds and regressions, as copied next to the test assembly.</summary>
internal static class Corpus
{
    public static byte[][] Seeds(string target) => Read(Path.Combine(AppContext.BaseDirectory, "Seeds", target));

    public static IEnumerable<(string File, byte[] Bytes)> Regressions(string target)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Regressions", target);
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f)))
            : [];
    }

    private static byte[][] Read(string folder) =>
        [.. Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
}
