namespace KmsNative.Kms.Observability;

/// <summary>The six KMS methods, for metrics and logs.</summary>
internal enum KmsMethod
{
    V2Status,
    V2Encrypt,
    V2Decrypt,
    V1Version,
    V1Encrypt,
    V1Decrypt,
}
