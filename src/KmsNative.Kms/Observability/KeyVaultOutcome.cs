namespace KmsNative.Kms.Observability;

/// <summary>
/// How a Key Vault request ended. One enum for both places that classify: the pipeline policy counts each HTTP
/// attempt (<see cref="KeyVaultRequestMetrics.Classify"/>, written with the coarser labels of
/// <see cref="KeyVaultRequestMetrics.Label(KeyVaultOutcome)"/>), and the Key Vault backend classifies each call after
/// its retries for health and its counters. <see cref="Count"/> sizes arrays.
/// </summary>
internal enum KeyVaultOutcome
{
    /// <summary>2xx.</summary>
    Succeeded,

    /// <summary>Key Vault refused the input (a bad ciphertext, 400/422, other 4xx): says nothing about the vault's health.</summary>
    Rejected,

    /// <summary>The call's deadline (or the client) ended it while Key Vault had not answered.</summary>
    DeadlineExceeded,

    /// <summary>429 (for a call: after every retry).</summary>
    Throttled,

    /// <summary>5xx; for a call also 408, no response at all, or our own rate limit when no permit came in time.</summary>
    Unavailable,

    /// <summary>An HTTP attempt that got no response (connection refused, reset, TLS, DNS).</summary>
    NoResponse,

    /// <summary>401, or no token.</summary>
    Unauthenticated,

    /// <summary>403 that is not about the key's state.</summary>
    PermissionDenied,

    /// <summary>The key is disabled, expired, not yet valid, missing (404), or refuses the operation.</summary>
    KeyState,

    Failed,

    Count,
}
