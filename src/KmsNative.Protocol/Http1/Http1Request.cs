namespace KmsNative.Protocol.Http1;

/// <summary>
/// A parsed request head. <see cref="Path"/> is the request target up to '?', <see cref="Query"/> what follows it
/// (without the '?'), both as sent (no percent-decoding: our paths are fixed ASCII strings).
/// </summary>
internal sealed record Http1Request(string Method, string Path, string Query, bool IsHttp11, bool KeepAlive);
