// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Runtime.InteropServices;

namespace KmsNative.InteropTests.Systemd;

/// <summary>
/// The published binary started as systemd starts it: on a socket that systemd-socket-activate binds and passes
/// (LISTEN_FDS), reporting to a $NOTIFY_SOCKET this test reads, with a watchdog; and under MemoryDenyWriteExecute.
/// </summary>
public sealed class SocketActivationTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("kmsnative-sd-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task SocketActivated_ServesInheritedSocketNotifiesAndStopsCleanly()
    {
        string socketPath = Path.Combine(_directory.FullName, "kms.socket");
        using var notify = new NotifyListener(Path.Combine(_directory.FullName, "notify"));
        // --listen-addr names another path: the passed socket wins, and nothing is bound at the flag's path.
        string flagPath = Path.Combine(_directory.FullName, "flag.socket");
        using CapturedProcess process = CapturedProcess.Start(SystemdTools.Tool("systemd-socket-activate"),
            ["--listen", socketPath, "-E", "NOTIFY_SOCKET", "-E", "WATCHDOG_USEC",
             InteropPaths.Binary, "--backend", "in-memory", "--listen-addr", $"unix://{flagPath}"],
            new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "2000000" });
        try
        {
            // systemd-socket-activate starts the service at the first connection, as systemd does with Accept=no.
            using (var trigger = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
            {
                await process.WaitForSocketFileAsync(socketPath, TimeSpan.FromSeconds(20));
                await trigger.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
            }

            List<string> startup = await notify.ReceiveUntilAsync("WATCHDOG=1");

            Assert.Contains(startup, m => m.StartsWith("READY=1\n", StringComparison.Ordinal) && m.Contains($"STATUS=Serving KMS v2 and v1beta1 on unix://{socketPath}", StringComparison.Ordinal)
                                          && m.Contains($"MAINPID={process.Id}", StringComparison.Ordinal));
            await SystemdTools.AssertRoundTripAsync(socketPath);
            Assert.False(File.Exists(flagPath), "the plugin bound --listen-addr although systemd passed a socket");
            Assert.Contains("serving the socket passed by systemd", process.Output, StringComparison.Ordinal);

            Assert.Equal(0, NativeMethods.Kill(process.Id, NativeMethods.Sigterm));
            List<string> stopping = await notify.ReceiveUntilAsync("STOPPING=1");
            Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"no exit after SIGTERM:\n{process.Output}");
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{process.Output}");
            Assert.Contains(stopping, m => m.Contains("STATUS=Shutting down after SIGTERM", StringComparison.Ordinal));
            // The socket file belongs to the .socket unit (here: systemd-socket-activate), not to the plugin.
            Assert.True(File.Exists(socketPath), "the plugin removed the socket file that systemd owns");
        }
        finally
        {
            process.Kill();
        }
    }

    [Fact]
    public async Task MemoryDenyWriteExecute_NativeAotBinaryServes()
    {
        // MemoryDenyWriteExecute=yes is the kernel's PR_SET_MDWE (systemd ≥ 253 uses it; older ones a seccomp filter
        // with the same rule): no mapping may become writable and executable. perl (Debian's essential perl-base)
        // sets it and execs the plugin; it is inherited across execve. A JIT runtime dies under it; Native AOT must not.
        const int SysPrctl = 157; // x86_64
        Assert.Equal(Architecture.X64, RuntimeInformation.ProcessArchitecture);
        string socketPath = Path.Combine(_directory.FullName, "mdwe.socket");
        using CapturedProcess process = CapturedProcess.Start("perl",
            ["-e", string.Create(CultureInfo.InvariantCulture, $"syscall({SysPrctl}, 65, 1, 0, 0, 0) == 0 or die \"PR_SET_MDWE: $!\"; exec @ARGV"),
             InteropPaths.Binary, "--backend", "in-memory", "--listen-addr", $"unix://{socketPath}"]);
        try
        {
            await process.WaitForSocketFileAsync(socketPath, TimeSpan.FromSeconds(20));
            await SystemdTools.AssertRoundTripAsync(socketPath);
            Assert.Equal(0, NativeMethods.Kill(process.Id, NativeMethods.Sigterm));
            Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"no exit after SIGTERM:\n{process.Output}");
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{process.Output}");
        }
        finally
        {
            process.Kill();
        }
    }
}
