namespace KmsNative.Protocol.Http2;

/// <summary>What one connection may ask of the server. Defaults suit kube-apiserver, which multiplexes every call on one connection.</summary>
internal sealed record Http2Limits
{
    public const int DefaultMaxFrameSize = 16_384;     // RFC 9113 §6.5.2 initial value
    public const int MaxWindowSize = int.MaxValue;      // RFC 9113 §6.9.1: 2^31-1

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS we advertise; streams above it are refused (RFC 9113 §5.1.2).</summary>
    public int MaxConcurrentStreams { get; init; } = 256;

    /// <summary>SETTINGS_MAX_FRAME_SIZE we advertise and enforce on receipt.</summary>
    public int MaxFrameSize { get; init; } = DefaultMaxFrameSize;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE we advertise; larger request headers are refused.</summary>
    public int MaxHeaderListSize { get; init; } = 16 * 1024;

    /// <summary>Largest gRPC request message (--max-receive-message-size); larger ones get RESOURCE_EXHAUSTED.</summary>
    /// <remarks>
    /// Not gRPC's 4 MiB: every KMS message is small. kube-apiserver sends 32-byte DEKs and seeds, ciphertexts and key
    /// ids of at most 1 KiB and annotations of at most 32 KiB in all (ValidateEncryptedObject, validateAnnotations), so
    /// the largest real request, a Decrypt, is about 34 KiB. 64 KiB leaves room for that and bounds what one stream
    /// makes us buffer to 64 KiB instead of 4 MiB (256 streams: 16 MiB per connection instead of 1 GiB).
    /// </remarks>
    public int MaxRequestMessageSize { get; init; } = DefaultMaxRequestMessageSize;

    public const int DefaultMaxRequestMessageSize = 64 * 1024;

    /// <summary>
    /// SETTINGS_INITIAL_WINDOW_SIZE we advertise. Large enough that a KMS request (under 1 KiB, at most
    /// <see cref="MaxRequestMessageSize"/>) never waits for a WINDOW_UPDATE round trip.
    /// </summary>
    public int InitialStreamWindowSize { get; init; } = 1024 * 1024;

    /// <summary>The connection-level receive window we open right after the preface (RFC 9113 §6.9.2 starts it at 65,535).</summary>
    public int ConnectionWindowSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Time allowed from accept to the client preface and its SETTINGS frame.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A connection with no stream (open, or closed with its handler still running) for this long is closed with
    /// GOAWAY(NO_ERROR) (--idle-timeout). Frames do not count: PINGs alone must not keep a connection slot. Longer than
    /// kube-apiserver's one-minute Status poll, and a client that is closed reconnects. Zero disables it.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A stream whose request (headers to END_STREAM) is not complete this long after its HEADERS is reset with
    /// CANCEL (--request-body-timeout): kube-apiserver sends each request in one write, so only a client that holds
    /// streams open on purpose waits. Zero disables it.
    /// </summary>
    public TimeSpan RequestBodyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connections served at once (--max-connections). When all are taken, the one idle longest is closed with
    /// GOAWAY to make room; when none is idle, the newcomer gets GOAWAY(ENHANCE_YOUR_CALM) and is closed.
    /// </summary>
    public int MaxConnections { get; init; } = 128;

    /// <summary>
    /// Connections one client process may hold at once (the peer's pid, from SO_PEERCRED). kube-apiserver holds one
    /// or two; a process that opens more is refused at once, before a connection is set up, so it can neither fill
    /// every slot nor make the server accept and evict thousands of its connections a second. Zero disables it.
    /// </summary>
    public int MaxConnectionsPerPeer { get; init; } = 64;

    /// <summary>
    /// RST_STREAM frames from the peer allowed per <see cref="ResetBurstWindow"/> before GOAWAY(ENHANCE_YOUR_CALM):
    /// the "rapid reset" attack (CVE-2023-44487) costs us a handler per reset.
    /// </summary>
    public int MaxResetsPerWindow { get; init; } = 200;

    public TimeSpan ResetBurstWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Response bytes one connection may hold behind a closed flow-control window (RFC 9113 §6.9). A response that
    /// does not fit is dropped and its stream reset with ENHANCE_YOUR_CALM: a peer that opens windows it never reads
    /// through cannot make us keep its answers. KMS responses are under 2 KiB, so well-behaved clients never come near.
    /// </summary>
    public int MaxHeldResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The server's memory budget for buffers clients can make it hold (--max-buffer-memory, <see cref="ByteBudget"/>):
    /// request bodies, held responses and queued output of all connections together. At the limit a body or response
    /// that does not fit is dropped and its stream reset with ENHANCE_YOUR_CALM (RESOURCE_EXHAUSTED to a gRPC client),
    /// and connections with unsent output stop being read until their peer reads.
    /// </summary>
    /// <remarks>
    /// 64 MiB: kube-apiserver at 256 streams of the largest real request (a 34 KiB Decrypt) needs 8.5 MiB, and its
    /// responses are under 2 KiB each, so several API servers at full load fit, while 128 connections that stop reading
    /// can no longer hold 128 × 1 MiB of output plus their bodies.
    /// </remarks>
    public long MaxBufferMemory { get; init; } = DefaultMaxBufferMemory;

    public const long DefaultMaxBufferMemory = 64L * 1024 * 1024;

    /// <summary>Buffered output above which the connection stops reading until the peer drains it.</summary>
    public int MaxBufferedOutput { get; init; } = 1024 * 1024;

    /// <summary>
    /// Work one connection may do on a thread before it lets other work run (<see cref="Http2Connection"/>'s read
    /// loop yields to the thread pool), in cost units: the bytes of each frame, the decoded size of each header block
    /// and <see cref="RequestWorkCost"/> per request dispatched. With inline socket completions connections share the
    /// socket engine's threads, and a read that finds data waiting completes at once, so without a bound a connection
    /// that keeps its socket full never gives the thread back.
    /// </summary>
    /// <remarks>
    /// 64 KiB is four 16 KiB frames, about 3,800 PINGs or 32 inline in-memory calls: a fraction of a millisecond to
    /// about one. kube-apiserver's batches (64 calls in flight, a few hundred bytes each) yield about once per
    /// 30 calls, a thread-pool hop of a few microseconds.
    /// </remarks>
    public int MaxWorkPerSlice { get; init; } = 64 * 1024;

    /// <summary>
    /// How often the server looks at its buffer pool after load: when no buffer was rented for a whole interval, the
    /// pool is emptied and a compacting GC gives the memory back to the OS (<see cref="Buffers.IdleBufferTrimmer"/>).
    /// </summary>
    public TimeSpan BufferTrimInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pooled bytes below which an idle server keeps its pool: a quiet kube-apiserver connection never triggers a GC.</summary>
    public long BufferTrimThreshold { get; init; } = 1024 * 1024;

    /// <summary>What one dispatched request costs against <see cref="MaxWorkPerSlice"/>: handlers may run inline.</summary>
    public int RequestWorkCost { get; init; } = 2 * 1024;
}
