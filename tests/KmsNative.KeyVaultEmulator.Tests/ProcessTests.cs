using System.Diagnostics;
using System.Net;

namespace KmsNative.KeyVaultEmulator.Tests;

/// <summary>The emulator as a separate process, the way the demo and other language peers start it.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task Executable_PrintsReadyLinesServesAndStopsOnSigterm()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "KmsNative.KeyVaultEmulator.dll");
        string caFile = Path.Combine(Path.GetTempPath(), $"kv-emulator-process-{Guid.NewGuid():N}.pem");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--port", "0", "--ca-out", caFile, "--host-names", "*.vault.azure.net,myvault.vault.azure.net" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        try
        {
            Dictionary<string, string> lines = [];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!lines.ContainsKey("KMS_EMULATOR_URL"))
            {
                string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    Assert.Fail("emulator exited early: " + await process.StandardError.ReadToEndAsync());
                }
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                lines[line[..eq]] = line[(eq + 1)..];
            }
            Assert.Matches(@"^https://127\.0\.0\.1:\d+$", lines["KMS_EMULATOR_URL"]);
            Assert.Equal(caFile, lines["KMS_EMULATOR_CA_FILE"]);
            Assert.Contains("BEGIN CERTIFICATE", await File.ReadAllTextAsync(caFile), StringComparison.Ordinal);

            using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(caFile));
            using var client = new HttpClient(EmulatorFixture.CreateHandler(ca));
            using HttpResponseMessage response = await client.GetAsync(new Uri(lines["KMS_EMULATOR_URL"] + "/keys?api-version=7.4"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

            Assert.Equal(0, Kill(process.Id, 15)); // SIGTERM
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            File.Delete(caFile);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
