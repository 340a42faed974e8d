// SPDX-License-Identifier: MIT
using Grpc.Net.Client;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests;

/// <summary>Start and SIGTERM of the published binary, each on its own server.</summary>
public sealed class KmsNativeLifecycleTests
{
    [Fact]
    public async Task Sigterm_IdleServer_ExitsZeroAndRemovesSocket()
    {
        await using KmsNativeServer server = await KmsNativeServer.StartAsync();

        (int exitCode, bool socketFileRemains) = await server.StopAsync();

        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM. Output:\n{server.Output}");
        Assert.False(socketFileRemains, $"{server.SocketPath} still exists after SIGTERM. Output:\n{server.Output}");
    }

    [Fact]
    public async Task Sigterm_RightAfterTheSocketAccepts_ExitsZeroEveryTime()
    {
        // The socket is bound before the backend is built: a SIGTERM in that window once hit the runtime's default
        // handler (exit 143) because the handler was registered only when serving began. Repeat to cover the window.
        for (int i = 0; i < 10; i++)
        {
            await using KmsNativeServer server = await KmsNativeServer.StartAsync();

            (int exitCode, bool socketFileRemains) = await server.StopAsync();

            Assert.True(exitCode == 0, $"run {i}: exit code {exitCode} after SIGTERM. Output:\n{server.Output}");
            Assert.False(socketFileRemains, $"run {i}: {server.SocketPath} still exists after SIGTERM. Output:\n{server.Output}");
        }
    }

    [Fact]
    public async Task Sigterm_WithOpenClientConnection_ExitsZeroAndRemovesSocket()
    {
        // kube-apiserver keeps its connection open for the life of the process; shutdown must not wait on it.
        await using KmsNativeServer server = await KmsNativeServer.StartAsync();
        using GrpcChannel channel = UdsGrpcChannel.Create(server.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        await client.StatusAsync(new V2.StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(3));

        (int exitCode, bool socketFileRemains) = await server.StopAsync();

        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM. Output:\n{server.Output}");
        Assert.False(socketFileRemains, $"{server.SocketPath} still exists after SIGTERM. Output:\n{server.Output}");
    }
}
