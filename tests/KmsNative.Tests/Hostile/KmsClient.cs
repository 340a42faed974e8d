using Google.Protobuf;
using KmsNative.Kms.V2;
using static KmsNative.Http2Testing.Http2TestPeer;
using KmsNative.Http2Testing;

namespace KmsNative.Tests.Hostile;

/// <summary>A well-behaved KMS v2 client over a test peer: the "server keeps serving" check of every hostile test.</summary>
internal static class KmsClient
{
    private static int s_nextPlaintext;

    public static async Task<TestResponse> CallAsync(Http2TestPeer peer, int streamId, string method, IMessage request)
    {
        await peer.SendAsync(Headers(streamId, endStream: false, GrpcRequest("/v2.KeyManagementService/" + method)),
                             Data(streamId, GrpcMessage(request.ToByteArray()), endStream: true));
        return await peer.ReadResponseAsync(streamId);
    }

    /// <summary>Encrypt then Decrypt on <paramref name="firstStreamId"/> and the next odd id; asserts the round trip.</summary>
    public static async Task AssertEncryptDecryptAsync(Http2TestPeer peer, int firstStreamId = 1)
    {
        byte[] plaintext = BitConverter.GetBytes(Interlocked.Increment(ref s_nextPlaintext));
        TestResponse encrypted = await CallAsync(peer, firstStreamId, "Encrypt",
            new EncryptRequest { Plaintext = ByteString.CopyFrom(plaintext), Uid = "uid-1" });
        Assert.Equal("0", encrypted.GrpcStatus);
        EncryptResponse encryptResponse = EncryptResponse.Parser.ParseFrom(encrypted.Data.Skip(5).ToArray());

        var decryptRequest = new DecryptRequest { Ciphertext = encryptResponse.Ciphertext, KeyId = encryptResponse.KeyId, Uid = "uid-2" };
        decryptRequest.Annotations.Add(encryptResponse.Annotations);
        TestResponse decrypted = await CallAsync(peer, firstStreamId + 2, "Decrypt", decryptRequest);
        Assert.Equal("0", decrypted.GrpcStatus);
        Assert.Equal(plaintext, DecryptResponse.Parser.ParseFrom(decrypted.Data.Skip(5).ToArray()).Plaintext.ToByteArray());
    }
}
