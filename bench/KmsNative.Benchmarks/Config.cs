using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Toolchains;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Toolchains.NativeAot;
using BenchmarkDotNet.Validators;

namespace KmsNative.Benchmarks;

/// <summary>Which jobs a run uses: chosen by Program's flags, never by attributes on the benchmark classes.</summary>
internal enum RunMode
{
    /// <summary>The default JIT job (out of process), plus a Native-AOT job with --aot.</summary>
    Full,

    /// <summary>Job.ShortRun (3 warm-ups, 3 iterations), out of process: a table in minutes instead of tens of minutes.</summary>
    Short,

    /// <summary>BenchmarkDotNet's Job.Dry, in process: one invocation each, so CI proves the suites still run.</summary>
    Dry,

    /// <summary>A fixed number of invocations, in process, for the allocation budgets (bytes, never time).</summary>
    Check,
}

internal static class Config
{
    // Unary calls: enough that one-off allocations during the measured iteration (tier-1 JIT finishing in the
    // background, a pool growing by a buffer or two when a continuation lands on another thread) vanish from
    // bytes/op. At 4096 calls CI's machine saw Encrypt 24 B/op above every local run (Decrypt and Status matched),
    // most likely such a burst in the first benchmark measured; at 32768 a 100 KB burst is 3 B/op. About 1 s per benchmark.
    public const int CheckCallInvocations = 1 << 15;

    // Codecs: enough that a stray allocation on another thread (a timer, the runner) rounds to 0 B/op, while one
    // allocation per operation (24 B or more) still shows.
    public const int CheckCodecInvocations = 1 << 16;

    public static IConfig Create(RunMode mode, bool nativeAot, int checkInvocations = CheckCallInvocations)
    {
        ManualConfig config = ManualConfig.CreateEmpty()
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .AddValidator(JitOptimizationsValidator.FailOnError)
            .AddValidator(BaselineValidator.FailOnError)
            .AddValidator(ExecutionValidator.FailOnError)
            .WithOption(ConfigOptions.JoinSummary, true);

        switch (mode)
        {
            case RunMode.Dry:
                config.AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("Dry"));
                break;
            case RunMode.Check:
                config.AddJob(Job.Dry
                    .WithToolchain(InProcessEmitToolchain.Instance)
                    .WithWarmupCount(1)
                    .WithIterationCount(1)
                    .WithInvocationCount(checkInvocations)
                    .WithUnrollFactor(1)
                    .WithId("Check"));
                break;
            default:
                Job baseJob = mode == RunMode.Short ? Job.ShortRun : Job.Default;
                config.AddJob(baseJob.WithRuntime(CoreRuntime.Core10_0).WithId("JIT"));
                if (nativeAot)
                {
                    // The benchmarks compiled by ILC, as the shipped binary is: no tiering, no dynamic PGO.
                    // The ILCompiler package from nuget.org (BenchmarkDotNet's default feed for .NET 10 is a dnceng
                    // feed this network cannot reach); an empty version lets the SDK pick the one matching the runtime.
                    IToolchain ilc = NativeAotToolchain.CreateBuilder()
                        .UseNuGet("", "https://api.nuget.org/v3/index.json")
                        .TargetFrameworkMoniker("net10.0")
                        .ToToolchain();
                    config.AddJob(baseJob.WithRuntime(NativeAotRuntime.Net10_0).WithToolchain(ilc).WithId("NativeAOT"));

                    // ILC compiles BenchmarkDotNet itself too: over BenchmarkDotNet's 5-minute default on 2 busy cores.
                    config.WithBuildTimeout(TimeSpan.FromMinutes(30));
                }

                break;
        }

        return config;
    }
}
