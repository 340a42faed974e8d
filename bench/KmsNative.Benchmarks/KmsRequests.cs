using Google.Protobuf;
using KmsNative.Kms.V2;

namespace KmsNative.Benchmarks;

/// <summary>
/// Realistic v2 request messages: kube-apiserver wraps a 32-byte DEK seed with a uid; Decrypt sends back the
/// ciphertext, key id and annotations that Encrypt returned.
/// </summary>
internal static class KmsRequests
{
    public const string Uid = "5ee7d5b6-8a5d-4e4c-9c1a-3d1f6c0b2a77";

    public static byte[] Plaintext { get; } = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1))];

    public static EncryptRequest Encrypt() => new() { Plaintext = ByteString.CopyFrom(Plaintext), Uid = Uid };

    public static DecryptRequest Decrypt(ReadOnlySpan<byte> ciphertext, string keyId, IEnumerable<KeyValuePair<string, ByteString>> annotations)
    {
        var request = new DecryptRequest { Ciphertext = ByteString.CopyFrom(ciphertext), Uid = Uid, KeyId = keyId };
        foreach ((string key, ByteString value) in annotations)
        {
            request.Annotations.Add(key, value);
        }

        return request;
    }

    /// <summary>The gRPC body: compressed flag 0, 4-byte big-endian length, the message.</summary>
    public static byte[] GrpcBody(IMessage message)
    {
        byte[] body = new byte[Protocol.Grpc.GrpcFraming.PrefixSize + message.CalculateSize()];
        Protocol.Grpc.GrpcFraming.WritePrefix(body, body.Length - Protocol.Grpc.GrpcFraming.PrefixSize);
        message.WriteTo(body.AsSpan(Protocol.Grpc.GrpcFraming.PrefixSize));
        return body;
    }
}
