namespace KmsNative.Fuzz.Tests;

/// <summary>The checked-in seeds are what <see cref="SeedCorpus"/> builds: regenerate them with `KmsNative.Fuzz write-seeds`.</summary>
public class SeedCorpusTests
{
    [Fact]
    public void Seeds_CheckedIn_EqualGenerated()
    {
        foreach (var (target, name, bytes) in SeedCorpus.All())
        {
            string file = Path.Combine(AppContext.BaseDirectory, "Seeds", target, name);
            Assert.True(File.Exists(file), $"{file} is missing: run KmsNative.Fuzz write-seeds tests/KmsNative.Fuzz/Seeds");
            Assert.Equal(bytes, File.ReadAllBytes(file));
        }
    }

    [Fact]
    public void Seeds_EveryTarget_HasSeeds()
    {
        foreach (FuzzTarget target in FuzzTargets.All)
        {
            Assert.Contains(SeedCorpus.All(), s => s.Target == target.Name);
        }
    }
}
