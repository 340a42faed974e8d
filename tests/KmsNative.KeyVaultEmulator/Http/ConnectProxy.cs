using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KmsNative.KeyVaultEmulator.Http;

/// <summary>
/// A minimal HTTP CONNECT proxy (RFC 9110 §9.3.6) that tunnels every requested host to the emulator's HTTPS port.
/// With HTTPS_PROXY pointing here, a client keeps its real URLs (https://myvault.vault.azure.net/,
/// https://login.microsoftonline.com/) and so computes the same key ids as in Azure, while the TLS session ends at
/// the emulator, whose certificate names those hosts. Records which hosts were tunnelled.
/// </summary>
internal sealed class ConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public ConnectProxy(int port, int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri Url { get; }

    /// <summary>host:port of every CONNECT request, with counts.</summary>
    public ConcurrentDictionary<string, int> Tunnels { get; } = new(StringComparer.OrdinalIgnoreCase);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = TunnelAsync(client);
        }
    }

    private async Task TunnelAsync(TcpClient client)
    {
        using (client)
        {
            NetworkStream downstream = client.GetStream();
            string? head = await ReadHeadAsync(downstream);
            string[] requestLine = head?.Split("\r\n")[0].Split(' ') ?? [];
            if (requestLine.Length != 3 || requestLine[0] != "CONNECT")
            {
                await downstream.WriteAsync("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
                return;
            }

            Tunnels.AddOrUpdate(requestLine[1], 1, (_, n) => n + 1);
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort);
            await downstream.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray());
            NetworkStream target = upstream.GetStream();
            Task up = CopyThenShutdownAsync(downstream, target, upstream.Client);
            Task down = CopyThenShutdownAsync(target, downstream, client.Client);
            await Task.WhenAll(up, down);
        }
    }

    private static async Task CopyThenShutdownAsync(Stream from, Stream to, Socket toSocket)
    {
        try
        {
            await from.CopyToAsync(to);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // One side was reset (a dropConnection fault aborts the emulator's side): reset the other too, so the
            // client sees the dropped connection at once; otherwise the other copy waits on a silent, open tunnel.
            toSocket.Close(timeout: 0);
        }
    }

    /// <summary>Reads up to the blank line that ends the request head, byte by byte so no tunnel bytes are consumed.</summary>
    private static async Task<string?> ReadHeadAsync(Stream stream)
    {
        var head = new StringBuilder();
        byte[] one = new byte[1];
        while (head.Length < 8192)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            head.Append((char)one[0]);
            if (head.Length >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
            {
                return head.ToString();
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }
}
