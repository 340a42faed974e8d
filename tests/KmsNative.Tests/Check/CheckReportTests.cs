using KmsNative.Check;

namespace KmsNative.Tests.Check;

public sealed class CheckReportTests
{
    [Fact]
    public void WriteTo_AllPassed_OkAndExitZero()
    {
        var report = new CheckReport();
        report.Pass("token", TimeSpan.FromMilliseconds(12.34), "for https://vault.azure.net/.default");
        report.Info("key version", "abc");
        var output = new StringWriter();

        int exitCode = report.WriteTo(output);

        Assert.Equal(0, exitCode);
        Assert.Equal(
            "PASS  token            12.3 ms  for https://vault.azure.net/.default\n" +
            "      key version               abc\n" +
            "result: OK: the plugin can wrap and unwrap DEKs with this key\n",
            output.ToString());
    }

    [Fact]
    public void WriteTo_FailedStep_ListsTheFixAndExitsOne()
    {
        var report = new CheckReport();
        report.Pass("token", TimeSpan.FromMilliseconds(1), "ok");
        report.Fail("decrypt", TimeSpan.FromMilliseconds(2), "HTTP 403", "grant keys/decrypt");
        var output = new StringWriter();

        int exitCode = report.WriteTo(output);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  decrypt           2.0 ms  HTTP 403\n", output.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("result: FAILED. To fix:\n  - decrypt: grant keys/decrypt\n", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTo_ProblemWithoutFailedStep_StillFails()
    {
        var report = new CheckReport();
        report.Pass("get key", TimeSpan.Zero, "ok");
        report.Problem("the key version is disabled");
        var output = new StringWriter();

        Assert.Equal(1, report.WriteTo(output));
        Assert.True(report.Failed);
        Assert.Contains("  - the key version is disabled\n", output.ToString(), StringComparison.Ordinal);
    }
}
