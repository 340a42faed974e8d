namespace KmsNative.Protocol.Http1;

/// <summary>Why a request head was refused: the status code to answer with and a reason for the body and the log.</summary>
internal readonly record struct Http1Error(int StatusCode, string Reason)
{
    public static readonly Http1Error None;
}
