namespace KmsNative.Kms.Hosting;

/// <summary>
/// Where /healthz and /metrics are served. A null port turns an endpoint off; port 0 picks a free port (tests). When
/// both ports are equal, one listener serves both paths (the Go plugin would fail to bind the second).
/// </summary>
internal sealed record OpsEndpointOptions
{
    public int? HealthzPort { get; init; } = 8787;
    public string HealthzPath { get; init; } = "/healthz";
    public TimeSpan HealthzTimeout { get; init; } = TimeSpan.FromSeconds(20);
    public int? MetricsPort { get; init; } = 8095;
    public string MetricsPath { get; init; } = "/metrics";
}
