namespace KmsNative.Kms.Observability;

/// <summary>How one Key Vault HTTP attempt ended (<see cref="KeyVaultRequestMetrics.Classify"/>); <see cref="Count"/> sizes arrays.</summary>
internal enum KeyVaultOutcome
{
    Success,
    Throttled,
    AuthError,
    ClientError,
    ServerError,
    TransportError,
    Cancelled,
    Count,
}
