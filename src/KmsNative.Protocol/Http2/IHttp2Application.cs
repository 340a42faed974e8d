namespace KmsNative.Protocol.Http2;

/// <summary>What a connection hands complete requests to. The gRPC layer implements it.</summary>
internal interface IHttp2Application
{
    /// <summary>
    /// Called on the connection's read loop once a request's headers and body are in (END_STREAM received),
    /// or early when its body outgrew the limit (<see cref="Http2Stream.BodyTooLarge"/>). The body is valid only
    /// during the call: it is zeroed and returned to the pool afterwards. The application answers with
    /// <see cref="Http2Stream.Respond"/>, from any thread, now or later, and calls <see cref="Http2Stream.CompleteHandler"/>
    /// once it no longer works on the stream (answered or not): until then the stream counts against
    /// SETTINGS_MAX_CONCURRENT_STREAMS. Must not block.
    /// </summary>
    void OnRequest(Http2Stream stream);

    /// <summary>The peer reset the stream or the connection ended before the response was sent: stop working on it.</summary>
    void OnAborted(Http2Stream stream);
}
