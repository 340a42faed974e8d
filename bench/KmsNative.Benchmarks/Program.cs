using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace KmsNative.Benchmarks;

/// <summary>
/// BenchmarkSwitcher plus flags of our own (any other argument goes to BenchmarkDotNet, e.g. --filter):
/// --dry (Job.Dry in process: CI's "still compiles and runs"), --short (Job.ShortRun), --aot (add a Native-AOT job),
/// --check [budgets.json] (run the allocation-sensitive benchmarks and fail when one allocates over its budget).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var rest = new List<string>();
        RunMode mode = RunMode.Full;
        bool nativeAot = false;
        string? budgetPath = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dry":
                    mode = RunMode.Dry;
                    break;
                case "--short":
                    mode = RunMode.Short;
                    break;
                case "--aot":
                    nativeAot = true;
                    break;
                case "--check":
                    mode = RunMode.Check;
                    if (i + 1 < args.Length && !args[i + 1].StartsWith('-'))
                    {
                        budgetPath = args[++i];
                    }

                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (mode == RunMode.Check)
        {
            return AllocationCheck.Run(budgetPath ?? "bench/allocation-budgets.json");
        }

        IConfig config = Config.Create(mode, nativeAot);
        if (mode != RunMode.Full && rest.Count == 0)
        {
            rest.AddRange(["--filter", "*"]);
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config).ToList();
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
