namespace KmsNative.Protocol.Http1;

internal enum Http1ReadStatus
{
    /// <summary>The head is not complete yet; nothing was consumed.</summary>
    NeedMoreData,

    /// <summary>A request head was read.</summary>
    Complete,

    /// <summary>The request is malformed or over a limit: answer the error's status code and close.</summary>
    Error,
}
