using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using KmsNative.Kms;
using KmsNative.Kms.V2;

namespace KmsNative.Benchmarks.Protobuf;

/// <summary>
/// Google.Protobuf parse and serialize of the v2 messages on the request path. Parsing allocates by design
/// (the message, its ByteStrings and strings, the annotations map); these numbers say how much.
/// </summary>
public class ParseSerializeBenchmarks
{
    private readonly byte[] _output = new byte[1024];
    private byte[] _encryptRequest = null!;
    private byte[] _decryptRequest = null!;
    private EncryptResponse _encryptResponse = null!;
    private DecryptResponse _decryptResponse = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var backend = new InMemoryBackend();
        EncryptedDek dek = Synchronously.Wait(backend.EncryptAsync(KmsApiVersion.V2, KmsRequests.Plaintext, CancellationToken.None));
        var annotations = dek.Annotations.Select(a => KeyValuePair.Create(a.Key, ByteString.CopyFrom(a.Value)));
        _encryptRequest = KmsRequests.Encrypt().ToByteArray();
        _decryptRequest = KmsRequests.Decrypt(dek.Ciphertext, dek.KeyId, annotations).ToByteArray();
        _encryptResponse = new EncryptResponse { Ciphertext = ByteString.CopyFrom(dek.Ciphertext), KeyId = dek.KeyId };
        foreach ((string key, ByteString value) in annotations)
        {
            _encryptResponse.Annotations.Add(key, value);
        }

        _decryptResponse = new DecryptResponse { Plaintext = ByteString.CopyFrom(KmsRequests.Plaintext) };
    }

    [Benchmark]
    public object ParseEncryptRequest() => EncryptRequest.Parser.ParseFrom(_encryptRequest);

    [Benchmark]
    public object ParseDecryptRequest() => DecryptRequest.Parser.ParseFrom(_decryptRequest);

    [Benchmark]
    public int SerializeEncryptResponse()
    {
        int size = _encryptResponse.CalculateSize();
        _encryptResponse.WriteTo(_output.AsSpan(0, size));
        return size;
    }

    [Benchmark]
    public int SerializeDecryptResponse()
    {
        int size = _decryptResponse.CalculateSize();
        _decryptResponse.WriteTo(_output.AsSpan(0, size));
        return size;
    }
}
