namespace KmsNative.Fuzz.Tests;

/// <summary>
/// The bounded pass of build/fuzz.sh's targets that CI runs: every target over its seeds, seeded mutations of them and
/// its regressions. A target returns for input it accepts or rejects with its documented error; anything escaping is
/// the failure, reported with the input so it can be added to Regressions/.
/// </summary>
public class FuzzTargetTests
{
    // Per target: about 1–3 s in Debug on the CI machine for the slowest (azure-json); the pass stays well under 30 s.
    private const int Iterations = 20_000;

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Run_Seeds_NoUnexpectedException(string name)
    {
        FuzzTarget target = FuzzTargets.Find(name)!;
        byte[][] seeds = Corpus.Seeds(name);
        Assert.NotEmpty(seeds);
        foreach (byte[] seed in seeds)
        {
            RunOrFail(target, seed, "seed");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Run_SeededMutations_NoUnexpectedException(string name)
    {
        FuzzTarget target = FuzzTargets.Find(name)!;
        byte[][] seeds = Corpus.Seeds(name);
        // A fixed seed per target (string.GetHashCode is randomized per process): the same inputs on every run.
        var random = new Random(StableHash(name));
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = Mutator.Mutate(seeds[random.Next(seeds.Length)], seeds, random);
            RunOrFail(target, input, $"mutation {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Run_Regressions_NoUnexpectedException(string name)
    {
        FuzzTarget target = FuzzTargets.Find(name)!;
        foreach ((string file, byte[] bytes) in Corpus.Regressions(name))
        {
            RunOrFail(target, bytes, $"regression {file}");
        }
    }

    [Fact]
    public void Run_SelfCheckCrashInput_ExceptionEscapes()
    {
        // The harness contract the whole pass relies on: an unexpected exception is not swallowed on the way out.
        Assert.Throws<InvalidOperationException>(() => FuzzTargets.SelfCheck.Run("!"u8));
        FuzzTargets.SelfCheck.Run("1S"u8);
    }

    private static void RunOrFail(FuzzTarget target, byte[] input, string what)
    {
        try
        {
            target.Run(input);
        }
        catch (Exception ex)
        {
            Assert.Fail($"{target.Name}, {what}: {ex.GetType().Name}: {ex.Message}\ninput ({input.Length} bytes): {Convert.ToHexString(input)}\n{ex}");
        }
    }

    private static int StableHash(string text)
    {
        int hash = 17;
        foreach (char c in text)
        {
            hash = unchecked(hash * 31 + c);
        }

        return hash;
    }
}
