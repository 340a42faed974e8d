using Google.Protobuf;
using Grpc.Core;
using KmsNative.Kms;
using V1 = KmsNative.Kms.V1Beta1;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.Tests.Kms;

public sealed class KmsServicesTests : IDisposable
{
    private readonly InMemoryBackend _backend = new();
    private readonly KmsV2Service _v2;
    private readonly KmsV1Beta1Service _v1;

    public KmsServicesTests()
    {
        _v2 = new KmsV2Service(_backend);
        _v1 = new KmsV1Beta1Service(_backend, "1.2.3");
    }

    public void Dispose() => _backend.Dispose();

    [Fact]
    public async Task Status_ReportsV2Beta1HealthyWithKeyId()
    {
        V2.StatusResponse status = await _v2.Status(new V2.StatusRequest(), new TestCallContext());
        Assert.Equal("v2beta1", status.Version);
        Assert.Equal("ok", status.Healthz);
        Assert.Equal(_backend.KeyId, status.KeyId);
        Assert.NotEmpty(status.KeyId);
    }

    [Fact]
    public async Task V2_EncryptThenDecrypt_ReturnsPlaintext()
    {
        byte[] seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        V2.EncryptResponse encrypted = await _v2.Encrypt(new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(seed), Uid = "u1" }, new TestCallContext());
        Assert.Equal(_backend.KeyId, encrypted.KeyId);
        Assert.NotEmpty(encrypted.Annotations);
        Assert.False(encrypted.Ciphertext.Span.SequenceEqual(seed));

        var request = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId, Uid = "u2" };
        request.Annotations.Add(encrypted.Annotations);
        V2.DecryptResponse decrypted = await _v2.Decrypt(request, new TestCallContext());
        Assert.Equal(seed, decrypted.Plaintext.ToByteArray());
    }

    [Fact]
    public async Task V2_DecryptWithOtherKeyId_IsInvalidArgument()
    {
        V2.EncryptResponse encrypted = await _v2.Encrypt(new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek") }, new TestCallContext());
        var request = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = "another-key" };
        request.Annotations.Add(encrypted.Annotations);
        var error = await Assert.ThrowsAsync<RpcException>(() => _v2.Decrypt(request, new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("another-key", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2_DecryptWithoutAnnotations_IsInvalidArgument()
    {
        V2.EncryptResponse encrypted = await _v2.Encrypt(new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek") }, new TestCallContext());
        var request = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId };
        var error = await Assert.ThrowsAsync<RpcException>(() => _v2.Decrypt(request, new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task V2_DecryptTamperedCiphertext_IsInvalidArgumentWithoutPlaintext()
    {
        V2.EncryptResponse encrypted = await _v2.Encrypt(new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek") }, new TestCallContext());
        byte[] tampered = encrypted.Ciphertext.ToByteArray();
        tampered[^1] ^= 1;
        var request = new V2.DecryptRequest { Ciphertext = ByteString.CopyFrom(tampered), KeyId = encrypted.KeyId };
        request.Annotations.Add(encrypted.Annotations);
        var error = await Assert.ThrowsAsync<RpcException>(() => _v2.Decrypt(request, new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task V2_EmptyPlaintextOrCiphertext_IsInvalidArgument()
    {
        var encrypt = await Assert.ThrowsAsync<RpcException>(() => _v2.Encrypt(new V2.EncryptRequest(), new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, encrypt.StatusCode);
        var decrypt = await Assert.ThrowsAsync<RpcException>(() => _v2.Decrypt(new V2.DecryptRequest(), new TestCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, decrypt.StatusCode);
    }

    [Fact]
    public async Task V1_VersionAndRoundTrip()
    {
        V1.VersionResponse version = await _v1.Version(new V1.VersionRequest { Version = "v1beta1" }, new TestCallContext());
        Assert.Equal("v1beta1", version.Version);
        Assert.Equal("Microsoft AzureKMS", version.RuntimeName);
        Assert.Equal("1.2.3", version.RuntimeVersion);

        V1.EncryptResponse encrypted = await _v1.Encrypt(new V1.EncryptRequest { Plain = ByteString.CopyFromUtf8("secret") }, new TestCallContext());
        V1.DecryptResponse decrypted = await _v1.Decrypt(new V1.DecryptRequest { Cipher = encrypted.Cipher }, new TestCallContext());
        Assert.Equal("secret", decrypted.Plain.ToStringUtf8());
    }

    [Fact]
    public async Task ZeroSecrets_ClearsDecryptedPlaintextInPlace()
    {
        V2.EncryptResponse encrypted = await _v2.Encrypt(new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek-bytes") }, new TestCallContext());
        var request = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId };
        request.Annotations.Add(encrypted.Annotations);
        V2.DecryptResponse decrypted = await _v2.Decrypt(request, new TestCallContext());
        ReadOnlyMemory<byte> plaintext = decrypted.Plaintext.Memory;

        decrypted.ZeroSecrets();

        Assert.All(plaintext.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task InMemoryDelay_CancelledToken_Cancels()
    {
        using var backend = new InMemoryBackend(TimeSpan.FromMinutes(5));
        using var cancellation = new CancellationTokenSource();
        var v2 = new KmsV2Service(backend);
        Task<V2.StatusResponse> status = v2.Status(new V2.StatusRequest(), new TestCallContext(cancellation.Token));
        Assert.False(status.IsCompleted);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => status);
    }
}
