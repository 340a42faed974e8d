using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;

namespace KmsNative.Kms.Observability;

/// <summary>
/// A unary gRPC client over the plugin's own unix socket, for the health check: the same path kube-apiserver's calls
/// take (accept, HTTP/2, HPACK, gRPC framing, the services), as the Go plugin's healthz dials its socket. HTTP/2
/// without TLS (prior knowledge) on SocketsHttpHandler, which the binary already carries for Key Vault. One pooled
/// connection, reused between probes. Thread-safe.
/// </summary>
internal sealed class KmsSocketClient : IDisposable
{
    private readonly HttpClient _http;

    public KmsSocketClient(EndPoint socket)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectCallback = async (_, cancellationToken) =>
            {
                var connection = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await connection.ConnectAsync(socket, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(connection, ownsSocket: true);
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <exception cref="RpcException">The call ended with a status other than OK.</exception>
    public async Task<TResponse> CallAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        int size = request.CalculateSize();
        byte[] body = new byte[5 + size];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)size); // byte 0: not compressed
        request.WriteTo(body.AsSpan(5));
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://localhost" + path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        message.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using HttpResponseMessage response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        byte[] payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Trailers-Only errors put grpc-status in the headers.
            string? status = Value(response.TrailingHeaders, "grpc-status") ?? Value(response.Headers, "grpc-status");
            if (status != "0")
            {
                string detail = Uri.UnescapeDataString(Value(response.TrailingHeaders, "grpc-message") ?? Value(response.Headers, "grpc-message") ?? "");
                StatusCode code = int.TryParse(status, out int value) ? (StatusCode)value : StatusCode.Unknown;
                throw new RpcException(new Status(code, status is null ? $"HTTP {(int)response.StatusCode} without grpc-status" : detail));
            }

            if (payload.Length < 5 || BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(1)) != payload.Length - 5)
            {
                throw new RpcException(new Status(StatusCode.Internal, "the response is not one gRPC message"));
            }

            return parser.ParseFrom(payload.AsSpan(5));
        }
        finally
        {
            // A Decrypt response holds the health check's test plaintext: not a real DEK, zeroed anyway.
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(payload);
        }
    }

    public void Dispose() => _http.Dispose();

    private static string? Value(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
}
