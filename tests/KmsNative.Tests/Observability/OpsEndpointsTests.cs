using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using KmsNative.Kms.Hosting;
using KmsNative.Kms.V2;
using KmsNative.Protocol.Http1;
using Microsoft.Extensions.Time.Testing;

namespace KmsNative.Tests.Observability;

/// <summary>The health and metrics endpoints over real loopback sockets (port 0), next to a real gRPC socket.</summary>
public class OpsEndpointsTests
{
    [Fact]
    public async Task Healthz_InMemoryBackend_Returns200Ok()
    {
        await using var server = OpsServer.Start();
        Assert.Equal((200, "ok"), await OpsServer.GetAsync(server.HealthzPort, "/healthz"));
    }

    [Fact]
    public async Task Healthz_Liveness_MakesNoBackendCryptoCall()
    {
        var backend = new CountingBackend();
        await using var server = OpsServer.Start(backend);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await OpsServer.GetAsync(server.HealthzPort, "/healthz")).Status);
        }

        Assert.Equal((0, 0), (backend.Encrypts, backend.Decrypts));
    }

    [Fact]
    public async Task Healthz_UnhealthyBackend_Returns503WithReason()
    {
        var backend = new CountingBackend { UnhealthyReason = "Key Vault get-key failed: 403 Forbidden" };
        await using var server = OpsServer.Start(backend);
        (int status, string body) = await OpsServer.GetAsync(server.HealthzPort, "/healthz");
        Assert.Equal(503, status);
        Assert.Contains("Key Vault get-key failed: 403 Forbidden", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_GrpcSocketGone_Returns503()
    {
        await using var server = OpsServer.Start();
        await server.Server.Http2.ShutdownAsync(TimeSpan.Zero); // the socket stops accepting
        (int status, string body) = await OpsServer.GetAsync(server.HealthzPort, "/healthz");
        Assert.Equal(503, status);
        Assert.Contains("Status", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_Deep_RoundTripIsCachedThenRepeated()
    {
        var backend = new CountingBackend();
        var time = new FakeTimeProvider();
        await using var server = OpsServer.Start(backend, time: time);
        Assert.Equal((200, "ok"), await OpsServer.GetAsync(server.HealthzPort, "/healthz?deep=1"));
        Assert.Equal((200, "ok"), await OpsServer.GetAsync(server.HealthzPort, "/healthz?deep=1"));
        Assert.Equal((1, 1), (backend.Encrypts, backend.Decrypts));

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal((200, "ok"), await OpsServer.GetAsync(server.HealthzPort, "/healthz?deep=1"));
        Assert.Equal((2, 2), (backend.Encrypts, backend.Decrypts));
        Assert.Equal(2, server.Server.Metrics.HealthChecks.DeepRoundTrips);
    }

    [Fact]
    public async Task Healthz_ConcurrentProbes_AllAnswered()
    {
        await using var server = OpsServer.Start();
        var probes = Enumerable.Range(0, 64).Select(i => OpsServer.GetAsync(server.HealthzPort, i % 2 == 0 ? "/healthz" : "/healthz?deep=1"));
        foreach ((int status, string body) in await Task.WhenAll(probes))
        {
            Assert.Equal((200, "ok"), (status, body));
        }
    }

    [Fact]
    public async Task UnknownPathAndMethod_Return404And405()
    {
        await using var server = OpsServer.Start();
        Assert.Equal(404, (await OpsServer.GetAsync(server.HealthzPort, "/metrics")).Status); // separate ports by default
        Assert.Equal(404, (await OpsServer.GetAsync(server.MetricsPort, "/healthz")).Status);
        string response = await RawAsync(server.HealthzPort, "POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 405 Method Not Allowed\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Allow: GET, HEAD\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_ReturnsHeadersWithoutBody()
    {
        await using var server = OpsServer.Start();
        string response = await RawAsync(server.HealthzPort, "HEAD /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 2\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharedPort_ServesBothPaths()
    {
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var server = OpsServer.Start(options: new OpsEndpointOptions { HealthzPort = port, MetricsPort = port });
        Assert.Equal((200, "ok"), await OpsServer.GetAsync(port, "/healthz"));
        Assert.Equal(200, (await OpsServer.GetAsync(port, "/metrics")).Status);
    }

    [Fact]
    public async Task KeepAlive_TwoRequestsOnOneConnection()
    {
        await using var server = OpsServer.Start();
        string response = await RawAsync(server.HealthzPort, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal(2, response.Split("HTTP/1.1 200 OK").Length - 1);
    }

    [Theory]
    [InlineData("GET /healthz\r\n\r\n", 400)]
    [InlineData("GET /healthz HTTP/1.1\r\nHost : a\r\n\r\n", 400)]
    [InlineData("GET /healthz HTTP/3.0\r\nHost: a\r\n\r\n", 505)]
    public async Task BadRequest_Returns4xxAndCloses(string request, int status)
    {
        await using var server = OpsServer.Start();
        string response = await RawAsync(server.HealthzPort, request, closeSend: false);
        Assert.StartsWith($"HTTP/1.1 {status} ", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HugeHeaders_Return431AndClose()
    {
        await using var server = OpsServer.Start();
        string request = "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + new string('x', 64 * 1024) + "\r\n\r\n";
        string response = await RawAsync(server.HealthzPort, request, closeSend: false);
        Assert.StartsWith("HTTP/1.1 431 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongRequestLine_Returns414AndCloses()
    {
        await using var server = OpsServer.Start();
        string response = await RawAsync(server.HealthzPort, "GET /" + new string('a', 4096) + " HTTP/1.1\r\nHost: a\r\n\r\n", closeSend: false);
        Assert.StartsWith("HTTP/1.1 414 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowClient_GetsRequestTimeoutOnTheFakeClock()
    {
        var time = new FakeTimeProvider();
        await using var server = OpsServer.Start(time: time);
        using Socket socket = await OpsServer.ConnectAsync(server.HealthzPort);
        await socket.SendAsync("GET /healthz HTTP/1.1\r\nHo"u8.ToArray());
        string response = await AdvanceUntilClosedAsync(socket, time);
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleClient_IsClosedWithoutAnswerOnTheFakeClock()
    {
        var time = new FakeTimeProvider();
        await using var server = OpsServer.Start(time: time);
        using Socket socket = await OpsServer.ConnectAsync(server.HealthzPort);
        Assert.Equal("", await AdvanceUntilClosedAsync(socket, time));
    }

    [Fact]
    public async Task Endpoints_DoNotDisturbTheGrpcSocket()
    {
        await using var server = OpsServer.Start();
        using Socket idle = await OpsServer.ConnectAsync(server.HealthzPort); // holds a connection open, sends nothing
        await RawAsync(server.HealthzPort, "GET /x HTTP/1.1\r\n\r\n", closeSend: false);
        StatusResponse status = await server.Client.CallAsync("/v2.KeyManagementService/Status", new StatusRequest(), StatusResponse.Parser, CancellationToken.None);
        Assert.Equal("ok", status.Healthz);
    }

    [Fact]
    public async Task Metrics_CountsARequest()
    {
        await using var server = OpsServer.Start();
        await server.Client.CallAsync("/v2.KeyManagementService/Encrypt", new EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek"), Uid = "u1" },
            EncryptResponse.Parser, CancellationToken.None);
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => server.Client.CallAsync("/v2.KeyManagementService/Decrypt",
            new DecryptRequest { Ciphertext = ByteString.CopyFromUtf8("not ours"), KeyId = "k", Uid = "u2" }, DecryptResponse.Parser, CancellationToken.None));

        (int status, string body) = await OpsServer.GetAsync(server.MetricsPort, "/metrics");
        Assert.Equal(200, status);
        Assert.Contains("kms_request_count{operation=\"encrypt\",status=\"success\"} 1\n", body, StringComparison.Ordinal);
        Assert.Contains("kms_request_count{operation=\"grpc_encrypt\",status=\"success\"} 1\n", body, StringComparison.Ordinal);
        Assert.Contains("kms_request_count{operation=\"decrypt\",status=\"error\",error_class=\"invalid_argument\"} 1\n", body, StringComparison.Ordinal);
        Assert.Contains("kms_request_bucket{operation=\"encrypt\",status=\"success\",le=\"+Inf\"} 1\n", body, StringComparison.Ordinal);
        Assert.Contains("kmsnative_healthy 1\n", body, StringComparison.Ordinal);
        Assert.Contains("process_resident_memory_bytes ", body, StringComparison.Ordinal);
        Assert.Contains("process_open_fds ", body, StringComparison.Ordinal);
        Assert.Contains("process_start_time_seconds ", body, StringComparison.Ordinal);
        Assert.Contains("process_cpu_seconds_total ", body, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_collections_total{generation=\"0\"} ", body, StringComparison.Ordinal);
    }

    [PromtoolFact]
    public async Task Metrics_PassPromtoolCheckMetrics()
    {
        await using var server = OpsServer.Start();
        await server.Client.CallAsync("/v2.KeyManagementService/Encrypt", new EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek") },
            EncryptResponse.Parser, CancellationToken.None);
        Assert.Equal(200, (await OpsServer.GetAsync(server.HealthzPort, "/healthz?deep=1")).Status);
        string body = (await OpsServer.GetAsync(server.MetricsPort, "/metrics")).Body;
        (int exitCode, string output) = Promtool.Run("check metrics", body);
        Assert.True(exitCode == 0, output);
    }

    [PromtoolFact]
    public void AlertRules_PassPromtoolCheckRules()
    {
        string rules = Path.Combine(RepositoryRoot(), "build", "prometheus", "kmsnative-alerts.yml");
        (int exitCode, string output) = Promtool.Run($"check rules \"{rules}\"");
        Assert.True(exitCode == 0, output);
    }

    private static string RepositoryRoot()
    {
        string directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "KmsNative.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("KmsNative.sln not found above " + AppContext.BaseDirectory);
        }

        return directory;
    }

    /// <summary>Sends <paramref name="request"/>, then reads until the server closes the connection.</summary>
    private static async Task<string> RawAsync(int port, string request, bool closeSend = true)
    {
        using Socket socket = await OpsServer.ConnectAsync(port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        if (closeSend)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        return await ReadToEndAsync(socket, CancellationToken.None);
    }

    private static async Task<string> ReadToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return Encoding.ASCII.GetString(received.ToArray());
            }

            received.Write(buffer, 0, n);
        }
    }

    // The server arms its deadline when it starts reading, which this test cannot observe: advance the fake clock past
    // the deadline, look for the close, and repeat until it comes. Each look is bounded; nothing asserts elapsed time.
    private static async Task<string> AdvanceUntilClosedAsync(Socket socket, FakeTimeProvider time)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        for (int attempt = 0; attempt < 200; attempt++)
        {
            time.Advance(new Http1Limits().RequestHeadTimeout + TimeSpan.FromSeconds(1));
            using var look = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            try
            {
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, look.Token);
                    if (n == 0)
                    {
                        return Encoding.ASCII.GetString(received.ToArray());
                    }

                    received.Write(buffer, 0, n);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        throw new Xunit.Sdk.XunitException("the server never closed the connection");
    }
}
