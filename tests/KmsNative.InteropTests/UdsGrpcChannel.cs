// SPDX-License-Identifier: MIT
using System.Net.Sockets;
using Grpc.Net.Client;

namespace KmsNative.InteropTests;

/// <summary>Grpc.Net.Client over a unix socket: SocketsHttpHandler.ConnectCallback dials the socket.</summary>
internal static class UdsGrpcChannel
{
    /// <summary>The channel owns the handler and the connection; dispose the channel.</summary>
    public static GrpcChannel Create(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            // One HTTP/2 connection for every call, as kube-apiserver keeps one.
            EnableMultipleHttp2Connections = false,
        };

        // "http://localhost" puts :authority localhost on the wire, as kube-apiserver's KMS v2 client does.
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
        });
    }
}
