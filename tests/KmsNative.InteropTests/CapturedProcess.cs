// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Text;

namespace KmsNative.InteropTests;

/// <summary>
/// A child process whose stdout and stderr are collected, interleaved by line, for failure messages.
/// Owns the <see cref="Process"/>; disposing kills whatever is still running.
/// </summary>
internal sealed class CapturedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();

    private CapturedProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="environment">Changes to the inherited environment: a null value removes the variable.</param>
    public static CapturedProcess Start(string fileName, IEnumerable<string> arguments,
                                        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // so a child never reads the test runner's stdin
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        var captured = new CapturedProcess(process);
        process.OutputDataReceived += (_, e) => captured.Append(e.Data);
        process.ErrorDataReceived += (_, e) => captured.Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return captured;
    }

    /// <summary>Runs to completion; a run longer than <paramref name="timeout"/> is killed and reported as exit -1.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        using CapturedProcess process = Start(fileName, arguments, environment);
        if (!await process.WaitForExitAsync(timeout))
        {
            process.Kill();
            return (-1, $"{process.Output}\n[killed: still running after {timeout.TotalSeconds} s]");
        }

        return (process.ExitCode, process.Output);
    }

    /// <summary>Returns false if the process is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        // The parameterless wait drains the redirected streams after exit.
        await _process.WaitForExitAsync(CancellationToken.None);
        return true;
    }

    /// <summary>
    /// Polls until <paramref name="socketPath"/> exists, failing with the process output when the process exits
    /// first or <paramref name="timeout"/> passes. The process runs on its own clock, so polling is the only way.
    /// </summary>
    public async Task WaitForSocketFileAsync(string socketPath, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (!File.Exists(socketPath))
        {
            Assert.False(HasExited, $"exited with {(HasExited ? ExitCode : 0)} before {socketPath} existed:\n{Output}");
            Assert.True(DateTime.UtcNow < until, $"no {socketPath} within {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(20);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }
    }
}
