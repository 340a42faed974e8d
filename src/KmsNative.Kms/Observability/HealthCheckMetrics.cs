namespace KmsNative.Kms.Observability;

/// <summary>Health endpoint requests by kind (liveness, deep) and result; deep checks that ran against the backend.</summary>
internal sealed class HealthCheckMetrics
{
    private long _livenessOk;
    private long _livenessFailed;
    private long _deepOk;
    private long _deepFailed;
    private long _deepRoundTrips;

    public long DeepRoundTrips => Volatile.Read(ref _deepRoundTrips);

    public void RecordLiveness(bool ok) => Interlocked.Increment(ref ok ? ref _livenessOk : ref _livenessFailed);

    public void RecordDeep(bool ok) => Interlocked.Increment(ref ok ? ref _deepOk : ref _deepFailed);

    public void RecordDeepRoundTrip() => Interlocked.Increment(ref _deepRoundTrips);

    public void Write(PrometheusWriter writer)
    {
        writer.Header("kmsnative_health_checks_total", "counter", "Requests to the health endpoint, by kind and result.");
        writer.Sample("kmsnative_health_checks_total", [("kind", "liveness"), ("result", "ok")], Volatile.Read(ref _livenessOk));
        writer.Sample("kmsnative_health_checks_total", [("kind", "liveness"), ("result", "failed")], Volatile.Read(ref _livenessFailed));
        writer.Sample("kmsnative_health_checks_total", [("kind", "deep"), ("result", "ok")], Volatile.Read(ref _deepOk));
        writer.Sample("kmsnative_health_checks_total", [("kind", "deep"), ("result", "failed")], Volatile.Read(ref _deepFailed));
        writer.Counter("kmsnative_health_deep_round_trips_total", "Encrypt+Decrypt round trips the deep health check made (the others were answered from its cache).", DeepRoundTrips);
    }
}
