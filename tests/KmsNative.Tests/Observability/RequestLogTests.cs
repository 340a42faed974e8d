using System.Text;
using Google.Protobuf;
using Grpc.Core;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.Observability;
using KmsNative.Kms.V2;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Observability;

/// <summary>What the KMS services log per call, at the Go plugin's levels, and the klog text escaping.</summary>
public class RequestLogTests
{
    [Fact]
    public async Task FailedCall_LogsOneErrorLineWithMethodCodeUidKeyIdAndDuration()
    {
        var log = new RecordingLog { Level = LogLevel.Warning }; // -v 0
        await using var server = OpsServer.Start(log: log, time: new FakeTimeProvider());
        await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync("/v2.KeyManagementService/Decrypt",
            new DecryptRequest { Ciphertext = ByteString.CopyFromUtf8("x"), KeyId = "key-7", Uid = "uid-42" }, DecryptResponse.Parser, CancellationToken.None));

        var line = Assert.Single(log.Lines, l => l.Message == "request failed");
        Assert.Equal(LogLevel.Error, line.Level);
        Dictionary<string, object?> fields = line.Fields.ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal("/v2.KeyManagementService/Decrypt", fields["method"]);
        Assert.Equal("INVALID_ARGUMENT", fields["code"]);
        Assert.Equal("uid-42", fields["uid"]);
        Assert.Equal("key-7", fields["keyID"]);
        Assert.Matches("^[0-9.]+(µs|ms|s)$", (string)fields["duration"]!);
        Assert.Contains("key id 'key-7'", (string)fields["error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuccessfulCall_LogsNothingAtVerbosityZero_StartedAndCompleteAtTwo()
    {
        var quiet = new RecordingLog { Level = LogLevel.Warning };
        await using (var server = OpsServer.Start(log: quiet))
        {
            await EncryptAsync(server, "uid-1");
        }

        Assert.Empty(quiet.Lines);

        var verbose = new RecordingLog { Level = LogLevel.Verbose }; // -v 2
        await using (var server = OpsServer.Start(log: verbose))
        {
            await EncryptAsync(server, "uid-2");
        }

        Assert.Equal(["encrypt request started", "encrypt request complete"], verbose.Lines.Select(l => l.Message));
        Assert.All(verbose.Lines, l => Assert.Contains(("uid", (object?)"uid-2"), l.Fields));
    }

    [Fact]
    public void RepeatedError_IsRateLimitedWithACountOnTheFakeClock()
    {
        var time = new FakeTimeProvider();
        var log = new RecordingLog();
        var telemetry = new KmsTelemetry(new KmsMetrics(), log, time);
        var context = new KmsNative.Tests.Kms.TestCallContext();
        var error = new RpcException(new Status(StatusCode.Unavailable, "Key Vault wrapKey: 429 Too Many Requests"));
        for (int i = 0; i < 5; i++)
        {
            telemetry.Failed(KmsMethod.V2Encrypt, telemetry.Started(KmsMethod.V2Encrypt, "u" + i), error, context, "u" + i, keyId: null);
        }

        Assert.Single(log.Lines, l => l.Message == "request failed");
        time.Advance(KmsTelemetry.ErrorLogWindow);
        telemetry.Failed(KmsMethod.V2Encrypt, telemetry.Started(KmsMethod.V2Encrypt, "u5"), error, context, "u5", keyId: null);

        var failed = log.Lines.Where(l => l.Message == "request failed").ToList();
        Assert.Equal(2, failed.Count);
        Assert.Contains(("suppressed", (object?)4L), failed[1].Fields);
        // The metric still counts every call.
        Assert.Equal(6, telemetry.Metrics.Requests.ObservedSeries().Single(s => s.Operation == "encrypt").Histogram.Count);
    }

    [Fact]
    public void DifferentErrors_AreNotMerged()
    {
        var log = new RecordingLog();
        var telemetry = new KmsTelemetry(new KmsMetrics(), log, new FakeTimeProvider());
        var context = new KmsNative.Tests.Kms.TestCallContext();
        telemetry.Failed(KmsMethod.V2Encrypt, 0, new RpcException(new Status(StatusCode.Unavailable, "a")), context, "", null);
        telemetry.Failed(KmsMethod.V2Encrypt, 0, new RpcException(new Status(StatusCode.Unavailable, "b")), context, "", null);
        telemetry.Failed(KmsMethod.V2Decrypt, 0, new RpcException(new Status(StatusCode.Unavailable, "a")), context, "", null);
        Assert.Equal(3, log.Lines.Count);
    }

    [Theory]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("back\\slash", "\"back\\\\slash\"")]
    [InlineData("line1\nline2\ttab\r", "\"line1\\nline2\\ttab\\r\"")]
    [InlineData("bell\a nul\0 esc\u001b del\u007f", "\"bell\\a nul\\x00 esc\\x1b del\\x7f\"")]
    [InlineData("héllo ✓ 日本", "\"héllo ✓ 日本\"")]
    [InlineData("c1\u0085 zwsp\u200b", "\"c1\\u0085 zwsp\\u200b\"")]
    [InlineData("<html>&'", "\"<html>&'\"")]
    public void AppendGoQuoted_EscapesAsGoStrconvQuote(string value, string expected)
    {
        var text = new StringBuilder();
        Log.AppendGoQuoted(text, value);
        Assert.Equal(expected, text.ToString());
    }

    [Fact]
    public void FormatText_IsKlogShaped_NumbersBareStringsQuoted()
    {
        string line = Log.FormatText(new DateTime(2026, 12, 5, 9, 13, 29, 123, 456, DateTimeKind.Utc), 'E', "request failed",
            [("method", "/v2.KeyManagementService/Encrypt"), ("suppressed", 4L), ("deep", true), ("error", "key \"k\" disabled")]);
        Assert.Matches(@"^E1205 09:13:29\.123456 +\d+ kmsnative\] ""request failed"" method=""/v2.KeyManagementService/Encrypt"" suppressed=4 deep=true error=""key \\""k\\"" disabled""$", line);
        Assert.DoesNotContain("\\u0022", line, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatJson_EscapesQuotesWithBackslash()
    {
        string line = Log.FormatJson(DateTime.UtcNow, "error", "m", [("error", "key \"k\""), ("suppressed", 4L)]);
        Assert.Contains("\"error\":\"key \\\"k\\\"\"", line, StringComparison.Ordinal);
        Assert.Contains("\"suppressed\":4", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0022", line, StringComparison.Ordinal);
    }

    private static Task<EncryptResponse> EncryptAsync(OpsServer server, string uid) =>
        server.Client.CallAsync("/v2.KeyManagementService/Encrypt", new EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek"), Uid = uid },
            EncryptResponse.Parser, CancellationToken.None);
}
