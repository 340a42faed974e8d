using System.Text.Json;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using KmsNative.Benchmarks.EndToEnd;
using KmsNative.Benchmarks.Grpc;
using KmsNative.Benchmarks.Hpack;
using KmsNative.Benchmarks.Http2;
using KmsNative.Benchmarks.Kms;

namespace KmsNative.Benchmarks;

/// <summary>
/// Runs the allocation-sensitive benchmarks with the Check job and compares bytes allocated per operation with
/// the budgets file: { "Class.Method": maxBytes }, where a parameterised case is "Class.Method(Param=value)".
/// Allocated bytes, not time: the result does not depend on how busy the machine is. A budget only goes down.
/// </summary>
internal static class AllocationCheck
{
    public static int Run(string budgetPath)
    {
        Dictionary<string, long> budgets;
        using (FileStream file = File.OpenRead(budgetPath))
        using (JsonDocument document = JsonDocument.Parse(file, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }))
        {
            budgets = document.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .ToDictionary(p => p.Name, p => p.Value.GetInt64());
        }

        // Codecs first and the server last, so no connection's threads or timers run while a 0 B budget is measured.
        Summary[] codecs = BenchmarkRunner.Run(
            [typeof(HpackDecodeBenchmarks), typeof(HpackEncodeBenchmarks), typeof(FrameReaderBenchmarks), typeof(GrpcFramingBenchmarks)],
            Config.Create(RunMode.Check, nativeAot: false, Config.CheckCodecInvocations));
        // The backends next: a cached Decrypt of the Key Vault backend is held to the in-memory backend's Decrypt.
        Summary[] backends = BenchmarkRunner.Run(
            [typeof(BackendBenchmarks), typeof(KeyVaultBackendBenchmarks)],
            Config.Create(RunMode.Check, nativeAot: false, Config.CheckCodecInvocations));
        Summary calls = BenchmarkRunner.Run<UnaryCallBenchmarks>(Config.Create(RunMode.Check, nativeAot: false, Config.CheckCallInvocations));
        Summary[] summaries = [.. codecs, .. backends, calls];

        int failures = 0;
        var seen = new HashSet<string>();
        Console.WriteLine();
        Console.WriteLine($"Allocation budgets ({budgetPath}), bytes per operation:");
        foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
        {
            string name = Key(report.BenchmarkCase);
            if (!report.Success || report.Metrics is null)
            {
                Console.WriteLine($"  FAIL {name}: the benchmark did not run");
                failures++;
                continue;
            }

            long allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
            if (!budgets.TryGetValue(name, out long budget))
            {
                Console.WriteLine($"  note {name}: {allocated} B (no budget)");
                continue;
            }

            seen.Add(name);
            bool ok = allocated >= 0 && allocated <= budget;
            string hint = ok && allocated < budget * 9 / 10 ? $"  (below budget: lower it to {allocated})" : "";
            Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {name}: {allocated} B, budget {budget} B{hint}");
            failures += ok ? 0 : 1;
        }

        foreach (string missing in budgets.Keys.Except(seen))
        {
            Console.WriteLine($"  FAIL {missing}: has a budget but no benchmark result");
            failures++;
        }

        Console.WriteLine(failures == 0 ? "allocation check passed" : $"allocation check FAILED ({failures})");
        return failures == 0 ? 0 : 1;
    }

    private static string Key(BenchmarkCase benchmark)
    {
        string name = $"{benchmark.Descriptor.Type.Name}.{benchmark.Descriptor.WorkloadMethod.Name}";
        return benchmark.HasParameters ? $"{name}({benchmark.Parameters.PrintInfo})" : name;
    }
}
