namespace KmsNative.Protocol.Http1;

/// <summary>
/// Bounds on what a health or metrics client may send. A probe is one short line and a few headers; anything larger is
/// refused before it is buffered. Go's net/http allows 1 MiB of headers; a liveness probe needs a few hundred bytes.
/// </summary>
internal sealed record Http1Limits
{
    /// <summary>Request line without its CRLF. Longer: 414.</summary>
    public int MaxRequestLineLength { get; init; } = 1024;

    /// <summary>The whole request head: request line, header lines, the empty line. Larger: 431.</summary>
    public int MaxRequestHeadSize { get; init; } = 8192;

    /// <summary>Header fields. More: 431.</summary>
    public int MaxHeaderCount { get; init; } = 64;

    /// <summary>From the moment the server waits for a request until its head is complete (Go: ReadHeaderTimeout 5 s).</summary>
    public TimeSpan RequestHeadTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections served at once; more are closed as soon as they are accepted.</summary>
    public int MaxConnections { get; init; } = 64;
}
