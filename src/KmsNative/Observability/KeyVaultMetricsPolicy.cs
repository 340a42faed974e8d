using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using KmsNative.Kms.Observability;

namespace KmsNative.Observability;

/// <summary>
/// Counts every Key Vault HTTP attempt (installed per retry, so a retried 429 counts twice) by operation and outcome,
/// with its duration, into <see cref="KeyVaultRequestMetrics"/>. Reads only the method, the path's last segment and the
/// status code: never a header or a body.
/// </summary>
internal sealed class KeyVaultMetricsPolicy : HttpPipelinePolicy
{
    private readonly KeyVaultRequestMetrics _metrics;
    private readonly TimeProvider _time;

    /// <param name="time">The clock durations are read from; <see cref="TimeProvider.System"/> when null.</param>
    public KeyVaultMetricsPolicy(KeyVaultRequestMetrics metrics, TimeProvider? time = null)
    {
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    public static KeyVaultOperation Classify(RequestMethod method, string path) =>
        path.EndsWith("/decrypt", StringComparison.OrdinalIgnoreCase) || path.EndsWith("/unwrapkey", StringComparison.OrdinalIgnoreCase) ? KeyVaultOperation.Decrypt
        : path.EndsWith("/encrypt", StringComparison.OrdinalIgnoreCase) || path.EndsWith("/wrapkey", StringComparison.OrdinalIgnoreCase) ? KeyVaultOperation.Encrypt
        : method == RequestMethod.Get && path.Contains("/keys/", StringComparison.OrdinalIgnoreCase) ? KeyVaultOperation.GetKey
        : KeyVaultOperation.Other;

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        KeyVaultOperation operation = Classify(message.Request.Method, message.Request.Uri.Path);
        long started = _time.GetTimestamp();
        KeyVaultOutcome outcome = KeyVaultOutcome.NoResponse;
        try
        {
            if (async)
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            else
            {
                ProcessNext(message, pipeline);
            }

            outcome = message.HasResponse ? KeyVaultRequestMetrics.Classify(message.Response.Status) : KeyVaultOutcome.NoResponse;
        }
        catch (OperationCanceledException)
        {
            outcome = KeyVaultOutcome.DeadlineExceeded;
            throw;
        }
        finally
        {
            _metrics.Record(operation, outcome, _time.StopwatchTicksSince(started));
        }
    }
}
