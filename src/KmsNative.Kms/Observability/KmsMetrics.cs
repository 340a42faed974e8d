namespace KmsNative.Kms.Observability;

/// <summary>
/// The plugin's metric registry: what the KMS services, the health check and the Key Vault client record into, and
/// what /metrics writes. One instance per process (KmsServer creates it); recording is lock-free and allocation-free.
/// </summary>
internal sealed class KmsMetrics
{
    public KmsRequestMetrics Requests { get; } = new();

    /// <summary>Filled by the Key Vault client's pipeline (the executable installs the policy); empty with other backends.</summary>
    public KeyVaultRequestMetrics KeyVault { get; } = new();

    public HealthCheckMetrics HealthChecks { get; } = new();

    /// <summary>The exposition of every metric; asks the backend for its status (never a Key Vault call when fresh).</summary>
    public async ValueTask<PrometheusWriter> WriteAsync(IKmsBackend backend, string version, CancellationToken cancellationToken)
    {
        BackendStatus status = await backend.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        var writer = new PrometheusWriter();
        writer.Header(KmsRequestMetrics.Name, "histogram", "Distribution of how long it took for an operation");
        foreach ((string operation, string? errorClass, Histogram histogram) in Requests.ObservedSeries())
        {
            if (errorClass is null)
            {
                writer.HistogramSeries(KmsRequestMetrics.Name, [("operation", operation), ("status", "success")], histogram);
            }
            else
            {
                writer.HistogramSeries(KmsRequestMetrics.Name, [("operation", operation), ("status", "error"), ("error_class", errorClass)], histogram);
            }
        }

        writer.Header(KeyVaultRequestMetrics.CountName, "counter", "Key Vault HTTP requests (each retry counts), by operation and outcome.");
        for (var operation = (KeyVaultOperation)0; operation < KeyVaultOperation.Count; operation++)
        {
            foreach (string outcome in KeyVaultRequestMetrics.OutcomeLabels)
            {
                long count = KeyVault.Count(operation, outcome);
                if (count > 0)
                {
                    writer.Sample(KeyVaultRequestMetrics.CountName, [("operation", KeyVaultRequestMetrics.Label(operation)), ("outcome", outcome)], count);
                }
            }
        }

        writer.Header(KeyVaultRequestMetrics.DurationName, "histogram", "Duration of Key Vault HTTP requests, by operation.");
        for (var operation = (KeyVaultOperation)0; operation < KeyVaultOperation.Count; operation++)
        {
            Histogram duration = KeyVault.Duration(operation);
            if (duration.Count > 0)
            {
                writer.HistogramSeries(KeyVaultRequestMetrics.DurationName, [("operation", KeyVaultRequestMetrics.Label(operation))], duration);
            }
        }

        writer.Gauge("kmsnative_healthy", "1 when the backend reports healthy (what KMS v2 Status reports as healthz \"ok\"), else 0.", status.Healthy ? 1 : 0);
        writer.Header("kmsnative_key_info", "gauge", "The key id KMS v2 Status reports (value always 1).");
        writer.Sample("kmsnative_key_info", [("key_id", status.KeyId)], 1);
        writer.Header("kmsnative_build_info", "gauge", "The plugin's version (value always 1).");
        writer.Sample("kmsnative_build_info", [("version", version)], 1);
        HealthChecks.Write(writer);
        ProcessMetrics.Write(writer);
        return writer;
    }
}
