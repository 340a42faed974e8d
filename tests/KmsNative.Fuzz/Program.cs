using KmsNative.Fuzz;
using SharpFuzz;

// KmsNative.Fuzz list                          the targets
// KmsNative.Fuzz write-seeds DIR               (re)writes DIR/<target>/<seed> from SeedCorpus
// KmsNative.Fuzz TARGET                        under afl-fuzz: AFL's persistent mode; otherwise one input from stdin
// KmsNative.Fuzz TARGET FILE|DIR...            replays inputs (crash reproduction): exit 1 on the first failure
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: KmsNative.Fuzz list | write-seeds DIR | TARGET [FILE|DIR...]");
    return 2;
}

if (args[0] == "list")
{
    foreach (FuzzTarget t in FuzzTargets.All)
    {
        Console.WriteLine($"{t.Name,-16} {t.Description}");
    }

    return 0;
}

if (args[0] == "write-seeds" && args.Length == 2)
{
    SeedCorpus.Write(args[1]);
    return 0;
}

if (FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; see 'list'");
    return 2;
}

if (args.Length == 1)
{
    // SharpFuzz's fork server: one process runs inputs until AFL restarts it. An exception that escapes the
    // target is reported to AFL as a crash.
    byte[] buffer = new byte[1 << 20];
    Fuzzer.Run(stream =>
    {
        int length = 0;
        int read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }

        target.Run(buffer.AsSpan(0, length));
    });
    return 0;
}

int failures = 0;
foreach (string file in args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
{
    try
    {
        target.Run(File.ReadAllBytes(file));
    }
    catch (Exception ex)
    {
        failures++;
        Console.WriteLine($"{file}: {ex}");
    }
}

Console.WriteLine($"{target.Name}: {failures} failing input(s)");
return failures == 0 ? 0 : 1;
