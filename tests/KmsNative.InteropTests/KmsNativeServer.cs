// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace KmsNative.InteropTests;

/// <summary>
/// One running kmsnative process on a unique socket in its own temp directory, using the in-memory backend.
/// Ready means the socket accepts a connection. <see cref="StopAsync"/> sends SIGTERM, as the kubelet does, and
/// reports what a clean shutdown must show: exit code 0 and the socket file removed.
/// </summary>
internal sealed class KmsNativeServer : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(15);

    private readonly CapturedProcess _process;
    private readonly DirectoryInfo _directory;
    private bool _stopped;

    private KmsNativeServer(CapturedProcess process, DirectoryInfo directory, string socketPath)
    {
        _process = process;
        _directory = directory;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    /// <summary>Everything the server has written to stdout and stderr so far.</summary>
    public string Output => _process.Output;

    /// <summary>Starts the binary and waits until its socket accepts connections.</summary>
    /// <param name="inMemoryDelay">A Go duration such as "2s" for --in-memory-delay, or null for none.</param>
    public static Task<KmsNativeServer> StartAsync(string? inMemoryDelay = null)
    {
        List<string> arguments = ["--backend", "in-memory"];
        if (inMemoryDelay is not null)
        {
            arguments.AddRange(["--in-memory-delay", inMemoryDelay]);
        }

        return StartAsync(arguments, environment: null);
    }

    /// <summary>
    /// Starts the binary with <c>--listen-addr unix://{its own socket}</c> followed by <paramref name="arguments"/>,
    /// and waits until the socket accepts connections.
    /// </summary>
    /// <param name="environment">Changes to the inherited environment: a null value removes the variable.</param>
    public static async Task<KmsNativeServer> StartAsync(IEnumerable<string> arguments,
                                                         IReadOnlyDictionary<string, string?>? environment)
    {
        string binary = InteropPaths.Binary;
        // A short path: sun_path holds 108 bytes.
        DirectoryInfo directory = Directory.CreateTempSubdirectory("kmsnative-");
        string socketPath = Path.Combine(directory.FullName, "kms.sock");
        // Health and metrics on ports the kernel picks, so servers started in parallel never collide on 8787/8095;
        // arguments that name ports come later and win (Go flag: last one wins).
        List<string> allArguments = ["--listen-addr", $"unix://{socketPath}", "--healthz-port", "0", "--metrics-addr", "0", .. arguments];

        var server = new KmsNativeServer(CapturedProcess.Start(binary, allArguments, environment), directory, socketPath);
        try
        {
            await server.WaitUntilAcceptingAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>SIGTERM, then wait. Returns the exit code and whether the socket file is still there.</summary>
    public async Task<(int ExitCode, bool SocketFileRemains)> StopAsync()
    {
        _stopped = true;
        if (!_process.HasExited)
        {
            SendSigterm(_process.Id);
        }

        if (!await _process.WaitForExitAsync(s_stopTimeout))
        {
            _process.Kill();
            throw new InvalidOperationException(
                $"kmsnative did not exit within {s_stopTimeout.TotalSeconds} s of SIGTERM; killed. Output:\n{Output}");
        }

        return (_process.ExitCode, File.Exists(SocketPath));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            try
            {
                await StopAsync();
            }
            catch (InvalidOperationException)
            {
                // Disposal only cleans up; the tests that care call StopAsync and assert.
            }
        }

        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitUntilAcceptingAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(TimeSpan.FromSeconds(5));
                throw new InvalidOperationException(
                    $"kmsnative exited with code {_process.ExitCode} before accepting on {SocketPath}. Output:\n{Output}");
            }

            if (File.Exists(SocketPath))
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
                    return;
                }
                catch (SocketException)
                {
                    // Bound but not yet listening, or a stale file: poll again.
                }
            }

            if (stopwatch.Elapsed > s_startTimeout)
            {
                throw new InvalidOperationException(
                    $"kmsnative did not accept on {SocketPath} within {s_startTimeout.TotalSeconds} s. Output:\n{Output}");
            }

            // Poll with a capped backoff; readiness is the connect, not the wait.
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }
    }

    private static void SendSigterm(int pid)
    {
        if (NativeMethods.Kill(pid, NativeMethods.Sigterm) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
