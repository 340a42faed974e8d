using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using KmsNative.Kms.V2;

namespace KmsNative.Benchmarks.EndToEnd;

/// <summary>
/// One unary v2 call per operation, client and server in this process, over a real unix socket and one HTTP/2
/// connection. The client (RawHttp2Client) allocates nothing per call, so Allocated is the server's cost of a
/// whole call: HPACK, framing, protobuf, the service, the backend. Its budget is in bench/allocation-budgets.json.
/// </summary>
public class UnaryCallBenchmarks : IDisposable
{
    private InProcessServer _server = null!;
    private RawHttp2Client _client = null!;
    private byte[] _encrypt = null!;
    private byte[] _decrypt = null!;
    private byte[] _status = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = new InProcessServer();
        _client = new RawHttp2Client(_server.SocketPath);
        _encrypt = RawHttp2Client.BuildRequest("/v2.KeyManagementService/Encrypt", KmsRequests.GrpcBody(KmsRequests.Encrypt()));
        _status = RawHttp2Client.BuildRequest("/v2.KeyManagementService/Status", KmsRequests.GrpcBody(new StatusRequest()));
        EncryptResponse encrypted = EncryptResponse.Parser.ParseFrom(_client.Call(_encrypt));
        DecryptRequest decrypt = KmsRequests.Decrypt(encrypted.Ciphertext.Span, encrypted.KeyId, encrypted.Annotations);
        _decrypt = RawHttp2Client.BuildRequest("/v2.KeyManagementService/Decrypt", KmsRequests.GrpcBody(decrypt));
        if (!DecryptResponse.Parser.ParseFrom(_client.Call(_decrypt)).Plaintext.Span.SequenceEqual(KmsRequests.Plaintext))
        {
            throw new InvalidOperationException("Decrypt did not return the plaintext that was encrypted");
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _client?.Dispose();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    [Benchmark]
    public int Encrypt() => _client.Call(_encrypt).Length;

    [Benchmark]
    public int Decrypt() => _client.Call(_decrypt).Length;

    [Benchmark]
    public int Status() => _client.Call(_status).Length;
}
