namespace KmsNative.Kms.Observability;

/// <summary>The outcome of a health check: "ok", or what is wrong in one line for the probe's body and the log.</summary>
internal sealed record HealthResult(bool Healthy, string Reason)
{
    public static readonly HealthResult Ok = new(true, "ok");
}
