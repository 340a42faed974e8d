// SPDX-License-Identifier: MIT
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Net.Client;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests;

/// <summary>The published binary started with the Go plugin's static-pod arguments answers its liveness probe and scrape.</summary>
public sealed class OpsEndpointsInteropTests
{
    [Fact]
    public async Task GoPluginStaticPodArgs_HealthzOkAndMetricsCountACall()
    {
        int healthzPort = FreePort();
        int metricsPort = FreePort();
        // The arguments of the Go plugin's docs/manual-install.md pod (its socket path is replaced by the fixture's),
        // plus --backend in-memory so no vault is needed.
        string[] arguments =
        [
            "--keyvault-name=kv-interop", "--key-name=k8s", "--key-version=0123456789abcdef", "--managed-hsm=false",
            "--log-format-json=false", $"--healthz-port={healthzPort}", "--healthz-path=/healthz", "--healthz-timeout=20s",
            "--metrics-backend=prometheus", $"--metrics-addr={metricsPort}", "-v=5", "--config-file-path=/etc/kubernetes/azure.json",
            "--backend", "in-memory",
        ];
        await using KmsNativeServer server = await KmsNativeServer.StartAsync(arguments, environment: null);
        // The socket accepts before the backend and the endpoints exist (the socket comes first, as in the Go plugin):
        // the endpoints are up once their start-up lines are written.
        Assert.True(SpinWait.SpinUntil(() => server.Output.Contains("\"Serving metrics\"", StringComparison.Ordinal), TimeSpan.FromSeconds(15)),
            "no 'Serving metrics' line:\n" + server.Output);
        Assert.Contains($"\"Serving health checks\" addr=\":{healthzPort}\" path=\"/healthz\"", server.Output, StringComparison.Ordinal);
        using var http = new HttpClient();

        using HttpResponseMessage healthz = await http.GetAsync(new Uri($"http://127.0.0.1:{healthzPort}/healthz"));
        Assert.True(healthz.StatusCode == HttpStatusCode.OK, $"{healthz.StatusCode}: {await healthz.Content.ReadAsStringAsync()}\n{server.Output}");
        Assert.Equal("ok", await healthz.Content.ReadAsStringAsync());

        using GrpcChannel channel = UdsGrpcChannel.Create(server.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        await client.EncryptAsync(new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("dek"), Uid = "interop" }, deadline: DateTime.UtcNow.AddSeconds(3));

        string metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
        Assert.Contains("kms_request_bucket{operation=\"encrypt\",status=\"success\"", metrics, StringComparison.Ordinal);
        Assert.Contains("\"encrypt request complete\"", server.Output, StringComparison.Ordinal); // -v=5 logs each call

        (int exitCode, _) = await server.StopAsync();
        Assert.Equal(0, exitCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
