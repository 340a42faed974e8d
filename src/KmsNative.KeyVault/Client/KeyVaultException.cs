namespace KmsNative.KeyVault.Client;

/// <summary>
/// Key Vault answered with an error, or could not be reached (<see cref="Status"/> 0). The message names the
/// operation, key and HTTP status, the service's error code and message and its request id; never a token or key material.
/// </summary>
internal sealed class KeyVaultException : Exception
{
    public KeyVaultException(string message, int status, string? errorCode, string? requestId, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        ErrorCode = errorCode;
        RequestId = requestId;
    }

    public KeyVaultException()
    {
    }

    public KeyVaultException(string message) : base(message)
    {
    }

    public KeyVaultException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The HTTP status, or 0 when no response arrived (connection refused, TLS failure, DNS).</summary>
    public int Status { get; }

    /// <summary>Key Vault's error code (the innermost one when nested), e.g. Forbidden, KeyNotFound, BadParameter.</summary>
    public string? ErrorCode { get; }

    public string? RequestId { get; }
}
