// SPDX-License-Identifier: MIT
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = KmsNative.Kms.V1Beta1;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests;

/// <summary>Grpc.Net.Client (SocketsHttpHandler over a unix socket) against the published binary.</summary>
public sealed class GrpcNetClientInteropTests(KmsNativeFixture fixture) : IClassFixture<KmsNativeFixture>
{
    // kube-apiserver's default per-call timeout.
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(3);

    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(b => b, b => b);

    private static CallOptions Options(TimeSpan? timeout = null) =>
        new CallOptions(deadline: DateTime.UtcNow + (timeout ?? s_callTimeout)).WithWaitForReady(true);

    // The plaintexts of Azure/kubernetes-kms's integration test and a DEK-sized random seed.
    public static TheoryData<byte[]> Plaintexts() =>
    [
        "secret"u8.ToArray(),
        "1234"u8.ToArray(),
        "!@#$%^&*()_"u8.ToArray(),
        "5ee7d5b6-8a5d-4e4c-9c1a-3d1f6c0b2a77"u8.ToArray(),
        RandomNumberGenerator.GetBytes(32),
    ];

    [Fact]
    public async Task V2Status_InMemoryBackend_ReportsV2beta1OkAndKeyId()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);

        V2.StatusResponse status = await client.StatusAsync(new V2.StatusRequest(), Options());

        Assert.Equal("v2beta1", status.Version);
        Assert.Equal("ok", status.Healthz);
        Assert.InRange(status.KeyId.Length, 1, 1024);
    }

    [Theory]
    [MemberData(nameof(Plaintexts))]
    public async Task V2EncryptDecrypt_Plaintext_RoundTrips(byte[] plaintext)
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        V2.StatusResponse status = await client.StatusAsync(new V2.StatusRequest(), Options());

        V2.EncryptResponse encrypted = await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(plaintext), Uid = "interop-net" }, Options());
        var decryptRequest = new V2.DecryptRequest
        {
            Ciphertext = encrypted.Ciphertext,
            KeyId = encrypted.KeyId,
            Uid = "interop-net",
        };
        decryptRequest.Annotations.Add(encrypted.Annotations);
        V2.DecryptResponse decrypted = await client.DecryptAsync(decryptRequest, Options());

        Assert.InRange(encrypted.Ciphertext.Length, 1, 1024);
        // kube-apiserver accepts an Encrypt only when its key_id equals the one Status reported.
        Assert.Equal(status.KeyId, encrypted.KeyId);
        Assert.NotEmpty(encrypted.Annotations);
        Assert.Equal(plaintext, decrypted.Plaintext.ToByteArray());
    }

    [Fact]
    public async Task V1Version_InMemoryBackend_ReportsV1beta1()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var client = new V1.KeyManagementService.KeyManagementServiceClient(channel);

        V1.VersionResponse version = await client.VersionAsync(new V1.VersionRequest { Version = "v1beta1" }, Options());

        Assert.Equal("v1beta1", version.Version);
    }

    [Theory]
    [MemberData(nameof(Plaintexts))]
    public async Task V1EncryptDecrypt_Plaintext_RoundTrips(byte[] plaintext)
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var client = new V1.KeyManagementService.KeyManagementServiceClient(channel);

        V1.EncryptResponse encrypted = await client.EncryptAsync(
            new V1.EncryptRequest { Version = "v1beta1", Plain = ByteString.CopyFrom(plaintext) }, Options());
        V1.DecryptResponse decrypted = await client.DecryptAsync(
            new V1.DecryptRequest { Version = "v1beta1", Cipher = encrypted.Cipher }, Options());

        Assert.False(encrypted.Cipher.IsEmpty);
        Assert.Equal(plaintext, decrypted.Plain.ToByteArray());
    }

    [Fact]
    public async Task V2EncryptDecrypt_200ConcurrentCallsOnOneChannel_AllSucceed()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);

        // 100 round trips, so 200 calls, all started before any completes is awaited.
        async Task<bool> RoundTrip(int i)
        {
            ByteString plaintext = ByteString.CopyFromUtf8($"concurrent plaintext {i}");
            V2.EncryptResponse encrypted = await client.EncryptAsync(
                new V2.EncryptRequest { Plaintext = plaintext, Uid = $"interop-net-{i}" }, Options());
            var request = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId };
            request.Annotations.Add(encrypted.Annotations);
            V2.DecryptResponse decrypted = await client.DecryptAsync(request, Options());
            return decrypted.Plaintext == plaintext;
        }

        bool[] results = await Task.WhenAll(Enumerable.Range(0, 100).Select(RoundTrip));

        Assert.All(results, Assert.True);
    }

    [Fact]
    public async Task V2EncryptDecrypt_FourConnectionsInParallel_AllSucceed()
    {
        // kube-apiserver replicas, the health checker and v1 share one plugin: calls arrive on several connections
        // at once, so handlers run in parallel (one connection alone may serialize them).
        const int Connections = 4;
        const int RoundTripsPerConnection = 500;
        GrpcChannel[] channels = [.. Enumerable.Range(0, Connections).Select(_ => UdsGrpcChannel.Create(fixture.Normal.SocketPath))];
        try
        {
            async Task<string?> RoundTrips(GrpcChannel channel, int connection)
            {
                var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
                for (int i = 0; i < RoundTripsPerConnection; i++)
                {
                    ByteString plaintext = ByteString.CopyFromUtf8($"connection {connection} plaintext {i}");
                    try
                    {
                        V2.EncryptResponse encrypted = await client.EncryptAsync(
                            new V2.EncryptRequest { Plaintext = plaintext }, Options());
                        var request = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId };
                        request.Annotations.Add(encrypted.Annotations);
                        V2.DecryptResponse decrypted = await client.DecryptAsync(request, Options());
                        if (decrypted.Plaintext != plaintext)
                        {
                            return $"connection {connection} round trip {i}: wrong plaintext";
                        }
                    }
                    catch (RpcException ex)
                    {
                        return $"connection {connection} round trip {i}: {ex.Status}";
                    }
                }

                return null;
            }

            string?[] failures = await Task.WhenAll(channels.Select((c, n) => Task.Run(() => RoundTrips(c, n))));

            Assert.True(failures.All(f => f is null),
                string.Join("\n", failures.Where(f => f is not null)) + $"\n--- kmsnative output ---\n{fixture.Normal.Output}");
        }
        finally
        {
            foreach (GrpcChannel channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    [Fact]
    public async Task V2Status_200ConcurrentCallsOnOneChannel_AllSucceed()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);

        V2.StatusResponse[] responses = await Task.WhenAll(
            Enumerable.Range(0, 200).Select(_ => client.StatusAsync(new V2.StatusRequest(), Options()).ResponseAsync));

        Assert.All(responses, r => Assert.Equal("ok", r.Healthz));
    }

    [Fact]
    public async Task V2Encrypt_DeadlineShorterThanServerDelay_DeadlineExceededAndChannelStillWorks()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Slow.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("deadline") },
            Options(TimeSpan.FromMilliseconds(200))));
        V2.StatusResponse status = await client.StatusAsync(new V2.StatusRequest(), Options());

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal("ok", status.Healthz);
    }

    [Theory]
    [InlineData("v2.KeyManagementService", "Rotate")]
    [InlineData("v1beta1.KeyManagementService", "Status")]
    [InlineData("no.such.Service", "Encrypt")]
    public async Task UnknownMethod_AnyService_Unimplemented(string service, string method)
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var unknown = new Method<byte[], byte[]>(MethodType.Unary, service, method, s_bytes, s_bytes);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(unknown, host: null, Options(), []));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task V2Decrypt_TamperedCiphertext_InvalidArgument()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        V2.EncryptResponse encrypted = await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("tamper me") }, Options());
        byte[] tampered = encrypted.Ciphertext.ToByteArray();
        tampered[tampered.Length / 2] ^= 0x01;
        var request = new V2.DecryptRequest { Ciphertext = ByteString.CopyFrom(tampered), KeyId = encrypted.KeyId };
        request.Annotations.Add(encrypted.Annotations);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.DecryptAsync(request, Options()));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task V1Decrypt_TamperedCipher_InvalidArgument()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Normal.SocketPath);
        var client = new V1.KeyManagementService.KeyManagementServiceClient(channel);
        V1.EncryptResponse encrypted = await client.EncryptAsync(
            new V1.EncryptRequest { Version = "v1beta1", Plain = ByteString.CopyFromUtf8("tamper me") }, Options());
        byte[] tampered = encrypted.Cipher.ToByteArray();
        tampered[tampered.Length / 2] ^= 0x01;

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await client.DecryptAsync(
            new V1.DecryptRequest { Version = "v1beta1", Cipher = ByteString.CopyFrom(tampered) }, Options()));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }
}
