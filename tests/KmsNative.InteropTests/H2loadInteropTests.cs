// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Text.RegularExpressions;

namespace KmsNative.InteropTests;

/// <summary>
/// nghttp2's h2load (Debian nghttp2-client) as an independent HTTP/2 peer: its own SETTINGS (window 2^30-1, push
/// off), a large connection WINDOW_UPDATE, content-length, and many streams in flight on one connection. It checks
/// only :status, so this proves the HTTP/2 layer; the gRPC peers prove the rest.
/// </summary>
public sealed partial class H2loadInteropTests(KmsNativeFixture fixture) : IClassFixture<KmsNativeFixture>
{
    private const string H2load = "/usr/bin/h2load";

    [Theory]
    [InlineData("/v2.KeyManagementService/Status", 1, 1)]
    [InlineData("/v2.KeyManagementService/Status", 1, 64)]
    [InlineData("/v2.KeyManagementService/Encrypt", 4, 16)]
    public async Task H2load_UnaryCalls_AllSucceed(string path, int clients, int streamsPerClient)
    {
        Assert.True(File.Exists(H2load), $"{H2load} is missing: run build/install-interop-deps.sh (Debian nghttp2-client)");
        string body = Path.Combine(Path.GetDirectoryName(fixture.Normal.SocketPath)!, $"body-{clients}-{streamsPerClient}.bin");
        // gRPC framing: not compressed, big-endian length, then protobuf. Encrypt carries field 1 (plaintext), 32 bytes.
        byte[] message = path.EndsWith("Encrypt", StringComparison.Ordinal) ? [0x0A, 32, .. new byte[32]] : [];
        byte[] framed = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        await File.WriteAllBytesAsync(body, framed);

        const int requests = 2000;
        (int exitCode, string output) = await CapturedProcess.RunAsync(H2load,
            ["-B", $"unix:{fixture.Normal.SocketPath}", "-c", $"{clients}", "-m", $"{streamsPerClient}", "-n", $"{requests}",
             "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers", $"http://localhost{path}"],
            TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, $"h2load exited {exitCode}:\n{output}");
        Match summary = RequestsLine().Match(output);
        Assert.True(summary.Success, $"no requests line in h2load output:\n{output}");
        Assert.Equal($"{requests}", summary.Groups["succeeded"].Value);
        Assert.Equal("0", summary.Groups["failed"].Value);
        Assert.Equal("0", summary.Groups["errored"].Value);
        Assert.Contains($"status codes: {requests} 2xx", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored")]
    private static partial Regex RequestsLine();
}
