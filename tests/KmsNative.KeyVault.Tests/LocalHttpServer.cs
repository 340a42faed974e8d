using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KmsNative.KeyVault.Tests;

/// <summary>
/// A one-request-per-connection HTTP/1.1 server on 127.0.0.1 for token endpoint tests: it records every request and
/// answers with what the test's handler returns.
/// </summary>
internal sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Request, Task<Response>> _handler;
    private readonly Task _acceptLoop;

    public LocalHttpServer(Func<Request, Task<Response>> handler)
    {
        _handler = handler;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public LocalHttpServer(Func<Request, Response> handler) : this(r => Task.FromResult(handler(r)))
    {
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<Request> Requests { get; } = new();

    internal sealed record Request(string Method, string Target, Dictionary<string, string> Headers, byte[] Body)
    {
        public string BodyText => Encoding.UTF8.GetString(Body);

        public Dictionary<string, string> Form() =>
            BodyText.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('=', 2))
                .ToDictionary(kv => WebUtility.UrlDecode(kv[0]), kv => WebUtility.UrlDecode(kv.Length > 1 ? kv[1] : ""));
    }

    internal sealed record Response(int Status, string Body, string ContentType = "application/json");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                var buffer = new MemoryStream();
                var chunk = new byte[4096];
                int headerEnd;
                while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
                {
                    int n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    buffer.Write(chunk, 0, n);
                }

                byte[] all = buffer.ToArray();
                string[] lines = Encoding.ASCII.GetString(all, 0, headerEnd).Split("\r\n");
                string[] requestLine = lines[0].Split(' ');
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (string line in lines.Skip(1))
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }

                int length = headers.TryGetValue("Content-Length", out string? cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
                var body = new MemoryStream();
                body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
                while (body.Length < length)
                {
                    int n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    body.Write(chunk, 0, n);
                }

                var request = new Request(requestLine[0], requestLine[1], headers, body.ToArray());
                Requests.Enqueue(request);
                Response response = await _handler(request);
                byte[] payload = Encoding.UTF8.GetBytes(response.Body);
                string head = $"HTTP/1.1 {response.Status} X\r\nContent-Type: {response.ContentType}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(payload, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    private static int IndexOfHeaderEnd(MemoryStream buffer) =>
        buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf("\r\n\r\n"u8);
}
