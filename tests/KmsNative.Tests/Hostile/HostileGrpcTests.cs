using KmsNative.Kms;
using KmsNative.Kms.V2;
using KmsNative.Protocol.Http2;
using static KmsNative.Tests.Hostile.HostileConnectionErrorTests;
using static KmsNative.Http2Testing.Http2TestPeer;
using KmsNative.Http2Testing;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Hostile;

/// <summary>Well-formed HTTP/2 carrying bad gRPC: each gets a gRPC status (or an HTTP status), never a hang.</summary>
public class HostileGrpcTests
{
    private static readonly (string, string)[] s_encrypt = GrpcRequest("/v2.KeyManagementService/Encrypt");

    [Fact]
    public async Task Serve_EndStreamOnHeadersWithoutBody_TrailersOnlyInternal()
    {
        TestResponse response = await CallAsync(Headers(1, true, s_encrypt));
        Assert.Equal(FrameType.Headers, Assert.Single(response.Frames).Type); // Trailers-Only: one HEADERS with END_STREAM
        Assert.Equal("200", response.Status);
        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Serve_UnknownPath_Unimplemented()
    {
        TestResponse response = await CallAsync(Headers(1, false, GrpcRequest("/v2.KeyManagementService/Nope")), Data(1, GrpcMessage([]), true));
        Assert.Equal("12", response.GrpcStatus);
    }

    [Fact]
    public async Task Serve_CompressedMessageFlag_Unimplemented()
    {
        TestResponse response = await CallAsync(Headers(1, false, [.. s_encrypt, ("grpc-encoding", "gzip")]),
            Data(1, GrpcMessage(Google.Protobuf.MessageExtensions.ToByteArray(SampleEncrypt), compressedFlag: 1), true));
        Assert.Equal("12", response.GrpcStatus);
    }

    [Fact]
    public async Task Serve_WrongContentType_Http415()
    {
        (string, string)[] fields = [.. s_encrypt.Select(f => f.Item1 == "content-type" ? ("content-type", "application/json") : f)];
        TestResponse response = await CallAsync(Headers(1, false, fields), Data(1, Message(SampleEncrypt), true));
        Assert.Equal("415", response.Status);
    }

    [Fact]
    public async Task Serve_MalformedGrpcTimeout_Internal()
    {
        TestResponse response = await CallAsync(Headers(1, false, [.. s_encrypt, ("grpc-timeout", "123456789S")]), Data(1, Message(SampleEncrypt), true));
        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Serve_DeadlinePassesWhileBackendWaits_DeadlineExceededSaysTimeoutMethodAndWhatCallsWaitFor()
    {
        const string Detail = "its calls wait for Key Vault key https://example.vault.azure.net/keys/k/v1";
        var clock = new FakeTimeProvider();
        await using InProcessServer server = InProcessServer.Start(backend: new InMemoryBackend(TimeSpan.FromMinutes(5), clock, deadlineDetail: Detail), time: clock);
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();

        // The PING behind the request is answered after the read loop dispatched it, so its deadline is armed.
        byte[] opaque = [1, 2, 3, 4, 5, 6, 7, 8];
        await peer.SendAsync(Headers(1, false, [.. s_encrypt, ("grpc-timeout", "50m")]), Data(1, Message(SampleEncrypt), true), Ping(opaque));
        await peer.ReadUntilAsync(f => f.Type == FrameType.Ping && f.HasFlag(FrameFlags.Ack) && f.Payload.AsSpan().SequenceEqual(opaque));
        clock.Advance(TimeSpan.FromMilliseconds(50));
        TestResponse response = await peer.ReadResponseAsync(1);

        Assert.Equal("4", response.GrpcStatus);
        Assert.Equal($"the deadline (grpc-timeout 50ms) expired before /v2.KeyManagementService/Encrypt completed; {Detail}", response.GrpcMessage);
        Assert.Empty(server.HandlerFailures);
    }

    [Theory]
    [InlineData("0n")]
    [InlineData("1n")]
    [InlineData("99n")]
    [InlineData("0u")]
    [InlineData("0m")]
    [InlineData("0S")]
    [InlineData("0M")]
    [InlineData("0H")]
    public async Task Serve_ZeroGrpcTimeout_DeadlineExceededAtOnceAndTheStreamCloses(string timeout)
    {
        // More calls than SETTINGS_MAX_CONCURRENT_STREAMS (256): each must be answered and closed, or the
        // connection ends up refusing every new stream.
        const int Calls = 300;
        await using InProcessServer server = InProcessServer.Start();
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();

        for (int i = 0; i < Calls; i++)
        {
            int streamId = 2 * i + 1;
            await peer.SendAsync(Headers(streamId, false, [.. s_encrypt, ("grpc-timeout", timeout)]), Data(streamId, Message(SampleEncrypt), true));
            TestResponse response = await peer.ReadResponseAsync(streamId);
            Assert.Equal("4", response.GrpcStatus);
        }

        await KmsClient.AssertEncryptDecryptAsync(peer, firstStreamId: 2 * Calls + 1);
        Assert.Empty(server.HandlerFailures);
    }

    [Fact]
    public async Task Serve_MessageOver4MiB_ResourceExhausted()
    {
        const int Size = 4 * 1024 * 1024 + 100;
        byte[] body = GrpcMessage(new byte[Size]);
        var frames = new List<byte[]> { Preface.ToArray(), Settings(), Headers(1, false, s_encrypt) };
        for (int offset = 0; offset < body.Length; offset += 16_384)
        {
            int length = Math.Min(16_384, body.Length - offset);
            frames.Add(Data(1, body.AsSpan(offset, length), offset + length == body.Length));
        }

        await using InProcessServer server = InProcessServer.Start();
        await using Http2TestPeer good = await server.ConnectHandshakenAsync();
        await using Http2TestPeer peer = await server.ConnectAsync();
        Task sending = peer.SendAsync([.. frames]); // the answer may come before the body is all sent
        TestResponse response = await peer.ReadResponseAsync(1);
        await sending.WaitAsync(Http2TestPeer.Timeout);

        Assert.Equal("8", response.GrpcStatus);
        await KmsClient.AssertEncryptDecryptAsync(peer, firstStreamId: 3);
        await KmsClient.AssertEncryptDecryptAsync(good);
    }

    [Fact]
    public async Task Serve_EncryptOver64KiB_ResourceExhaustedByDefault()
    {
        // kube-apiserver never sends more than about 34 KiB (a Decrypt with 32 KiB of annotations): 64 KiB is the default.
        var request = new EncryptRequest { Plaintext = Google.Protobuf.ByteString.CopyFrom(new byte[64 * 1024]), Uid = "u" };
        TestResponse response = await CallOnceAsync(null, request);
        Assert.Equal("8", response.GrpcStatus);
    }

    [Fact]
    public async Task Serve_DecryptWith32KiBOfAnnotations_IsNotRefusedForItsSize()
    {
        var request = new DecryptRequest { Ciphertext = Google.Protobuf.ByteString.CopyFrom(new byte[1024]), KeyId = new string('k', 1024), Uid = "u" };
        for (int i = 0; i < 32; i++)
        {
            request.Annotations.Add($"a{i}.example.com", Google.Protobuf.ByteString.CopyFrom(new byte[1000]));
        }

        TestResponse response = await CallOnceAsync(null, request);
        Assert.NotEqual("8", response.GrpcStatus);
    }

    [Fact]
    public async Task Serve_EncryptOver64KiBWithRaisedLimit_Served()
    {
        var request = new EncryptRequest { Plaintext = Google.Protobuf.ByteString.CopyFrom(new byte[100 * 1024]), Uid = "u" };
        TestResponse response = await CallOnceAsync(new Http2Limits { MaxRequestMessageSize = 128 * 1024 }, request);
        Assert.Equal("0", response.GrpcStatus);
    }

    private static async Task<TestResponse> CallOnceAsync(Http2Limits? limits, Google.Protobuf.IMessage request)
    {
        byte[] body = Message(request);
        // Windows wide enough for a response as large as the request.
        var frames = new List<byte[]>
        {
            Preface.ToArray(), Settings((SettingsParameter.InitialWindowSize, 1u << 20)), WindowUpdate(0, 1u << 20),
            Headers(1, false, GrpcRequest("/v2.KeyManagementService/" + (request is EncryptRequest ? "Encrypt" : "Decrypt"))),
        };
        for (int offset = 0; offset < body.Length; offset += 16_384)
        {
            int length = Math.Min(16_384, body.Length - offset);
            frames.Add(Data(1, body.AsSpan(offset, length), offset + length == body.Length));
        }

        await using InProcessServer server = InProcessServer.Start(limits);
        await using Http2TestPeer peer = await server.ConnectAsync();
        await peer.SendAsync([.. frames]);
        TestResponse response = await peer.ReadResponseAsync(1);
        await KmsClient.AssertEncryptDecryptAsync(peer, firstStreamId: 3);
        return response;
    }

    [Fact]
    public async Task Serve_V1Beta1Version_Answers()
    {
        await using InProcessServer server = InProcessServer.Start();
        await using Http2TestPeer peer = await server.ConnectHandshakenAsync();
        TestResponse response = await KmsClient.CallAsync(peer, 1, "Status", new StatusRequest());
        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("v2beta1", StatusResponse.Parser.ParseFrom(response.Data.Skip(5).ToArray()).Version);
    }

    private static async Task<TestResponse> CallAsync(params byte[][] frames)
    {
        await using InProcessServer server = InProcessServer.Start();
        await using Http2TestPeer good = await server.ConnectHandshakenAsync();
        await using Http2TestPeer peer = await server.ConnectAsync();
        await Attack(frames)(peer);
        TestResponse response = await peer.ReadResponseAsync(1);
        await KmsClient.AssertEncryptDecryptAsync(peer, firstStreamId: 3);
        await KmsClient.AssertEncryptDecryptAsync(good);
        return response;
    }
}
