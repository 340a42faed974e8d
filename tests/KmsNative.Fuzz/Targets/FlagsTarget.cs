using System.Text;

namespace KmsNative.Fuzz.Targets;

/// <summary>
/// The command line, as Go's flag package reads it. Options.Parse is pure and reports every bad flag as an exit code
/// and a message, so no exception is expected at all. Arguments are the input's NUL-separated parts, as execve has them.
/// </summary>
internal static class FlagsTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        string[] args = input.IsEmpty ? [] : Encoding.UTF8.GetString(input).Split('\0');
        OptionsResult result = Options.Parse(args);
        Invariant.Check(result.Options is null || result.ExitCode == 0, "options returned with a failing exit code");
        Invariant.Check(result.Options is not null || result.Message.Length > 0, "an exit with nothing to print");
        if (result.Options is { } options)
        {
            // What Program reads from the options next; each must hold for any options Parse accepted.
            _ = options.MetricsPort;
            _ = options.HealthzListenPort;
            _ = options.ListenAddress.ToString();
        }
    }
}
