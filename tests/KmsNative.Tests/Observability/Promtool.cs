using System.Diagnostics;

namespace KmsNative.Tests.Observability;

/// <summary>
/// Prometheus's own checker (Debian package "prometheus", installed by build/install-deps.sh). Tests that need it are
/// skipped, saying why, only where it is missing locally; CI installs it.
/// </summary>
internal static class Promtool
{
    public const string MissingMessage = "promtool is not installed: run build/install-deps.sh (apt-get install prometheus); CI installs it";

    public static string? Path { get; } = Find();

    public static (int ExitCode, string Output) Run(string arguments, string? stdin = null)
    {
        var start = new ProcessStartInfo(Path!, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    private static string? Find()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = System.IO.Path.Combine(directory, "promtool");
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that is skipped, with <see cref="Promtool.MissingMessage"/>, when promtool is not on PATH.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (Promtool.Path is null)
        {
            Skip = Promtool.MissingMessage;
        }
    }
}
