// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Text.RegularExpressions;

namespace KmsNative.InteropTests.Systemd;

/// <summary>build/systemd/kmsnative.service and kmsnative.socket, as systemd-analyze judges them.</summary>
public sealed partial class SystemdUnitTests : IDisposable
{
    private const double MaxExposure = 2.0;
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("kmsnative-systemd-root-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task Verify_ShippedUnits_Clean()
    {
        string root = BuildRoot(File.ReadAllText(Path.Combine(SystemdTools.UnitDirectory, "kmsnative.service")));

        (int exitCode, string output) = await VerifyAsync(root);

        Assert.True(exitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify: exit {exitCode}:\n{output}");
    }

    [Fact]
    public async Task Verify_BrokenService_Fails()
    {
        // The check can fail: a misspelt directive is reported (a warning: the clean test requires no output at all),
        // and a binary missing at ExecStart's path is an error.
        string service = File.ReadAllText(Path.Combine(SystemdTools.UnitDirectory, "kmsnative.service"))
            .Replace("ExecStart=/usr/local/bin/kmsnative", "ExecStart=/usr/local/bin/kmsnative-missing", StringComparison.Ordinal)
            .Replace("NoNewPrivileges=yes", "NoNewPrivilege=yes", StringComparison.Ordinal);
        string root = BuildRoot(service);

        (int exitCode, string output) = await VerifyAsync(root);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Unknown key 'NoNewPrivilege'", output, StringComparison.Ordinal);
        Assert.Contains("kmsnative-missing", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Security_ShippedService_ExposureAtMostTwo()
    {
        (int exitCode, string output) = await CapturedProcess.RunAsync(SystemdTools.Tool("systemd-analyze"),
            ["security", "--offline=yes", "--no-pager", Path.Combine(SystemdTools.UnitDirectory, "kmsnative.service")], TimeSpan.FromMinutes(1));

        Match match = ExposureLine().Match(output);
        Assert.True(exitCode == 0 && match.Success, $"systemd-analyze security: exit {exitCode}:\n{output}");
        double exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= MaxExposure, $"exposure {exposure} > {MaxExposure}:\n{output}");
    }

    /// <summary>
    /// A root directory for <c>systemd-analyze verify --root</c>: the units in /etc/systemd/system, the published binary
    /// at ExecStart's path, and the host's own systemd units (sysinit.target and friends, which the defaults pull in).
    /// </summary>
    private string BuildRoot(string service)
    {
        string root = _root.FullName;
        string units = Path.Combine(root, "etc", "systemd", "system");
        Directory.CreateDirectory(units);
        File.WriteAllText(Path.Combine(units, "kmsnative.service"), service);
        File.Copy(Path.Combine(SystemdTools.UnitDirectory, "kmsnative.socket"), Path.Combine(units, "kmsnative.socket"), overwrite: true);
        string bin = Path.Combine(root, "usr", "local", "bin");
        Directory.CreateDirectory(bin);
        File.Copy(InteropPaths.Binary, Path.Combine(bin, "kmsnative"), overwrite: true);
        string systemUnits = Path.Combine(root, "usr", "lib", "systemd", "system");
        Directory.CreateDirectory(systemUnits);
        foreach (string file in Directory.EnumerateFiles("/usr/lib/systemd/system"))
        {
            File.Copy(file, Path.Combine(systemUnits, Path.GetFileName(file)), overwrite: true);
        }

        return root;
    }

    private static Task<(int ExitCode, string Output)> VerifyAsync(string root) =>
        CapturedProcess.RunAsync(SystemdTools.Tool("systemd-analyze"),
            ["verify", "--man=no", $"--root={root}", "kmsnative.service", "kmsnative.socket"], TimeSpan.FromMinutes(1));

    [GeneratedRegex(@"Overall exposure level for kmsnative\.service: ([0-9.]+)")]
    private static partial Regex ExposureLine();
}
