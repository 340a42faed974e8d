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
