namespace KmsNative.Protocol.Http1;

/// <summary>Answers the requests of <see cref="Server.Http1Listener"/>. Called concurrently, one call per request.</summary>
internal interface IHttp1Handler
{
    /// <param name="cancellationToken">Cancelled when the listener stops.</param>
    ValueTask<Http1Response> HandleAsync(Http1Request request, CancellationToken cancellationToken);
}
