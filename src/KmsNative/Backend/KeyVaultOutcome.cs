namespace KmsNative.Backend;

/// <summary>How one Key Vault call ended, as health and the counters classify it.</summary>
internal enum KeyVaultOutcome
{
    Succeeded,

    /// <summary>Key Vault refused the input (a bad ciphertext, 400/422): says nothing about the vault's health.</summary>
    Rejected,

    /// <summary>The call's deadline (or the client) ended it while Key Vault had not answered.</summary>
    DeadlineExceeded,

    /// <summary>429 after every retry.</summary>
    Throttled,

    /// <summary>5xx, 408, or no response at all; also our own rate limit when no permit came in time.</summary>
    Unavailable,

    /// <summary>401, or no token.</summary>
    Unauthenticated,

    /// <summary>403 that is not about the key's state.</summary>
    PermissionDenied,

    /// <summary>The key is disabled, expired, not yet valid, missing, or refuses the operation.</summary>
    KeyState,

    Failed,
}
