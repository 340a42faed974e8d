using System.Net.Sockets;
using System.Text;
using KmsNative.Protocol.Http1;
using KmsNative.Protocol.Server;

namespace KmsNative.Tests.Observability;

/// <summary>The listener alone, with handlers that misbehave, over loopback.</summary>
public class Http1ListenerTests
{
    [Fact]
    public async Task HandlerThrows_Returns500AndKeepsServing()
    {
        var handler = new Handler(request => request.Path == "/boom" ? throw new InvalidOperationException("boom") : Http1Response.Text(200, "fine"));
        await using Http1Listener listener = Http1Listener.Start(0, handler);
        Assert.StartsWith("HTTP/1.1 500 ", await GetAsync(listener.LocalEndPoint.Port, "/boom"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 ", await GetAsync(listener.LocalEndPoint.Port, "/ok"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverTheConnectionLimit_ExtraConnectionsAreClosed()
    {
        var handler = new Handler(_ => Http1Response.Text(200, "fine"));
        await using Http1Listener listener = Http1Listener.Start(0, handler, new Http1Limits { MaxConnections = 2 });
        int port = listener.LocalEndPoint.Port;
        using Socket first = await OpsServer.ConnectAsync(port);
        using Socket second = await OpsServer.ConnectAsync(port);
        Assert.True(SpinWait.SpinUntil(() => listener.ActiveConnections == 2, TimeSpan.FromSeconds(10)));
        using Socket third = await OpsServer.ConnectAsync(port);
        byte[] buffer = new byte[16];
        int received;
        try
        {
            received = await third.ReceiveAsync(buffer, SocketFlags.None);
        }
        catch (SocketException)
        {
            received = 0; // reset instead of FIN: closed either way
        }

        Assert.Equal(0, received);
        first.Dispose();
        Assert.True(SpinWait.SpinUntil(() => listener.ActiveConnections < 2, TimeSpan.FromSeconds(10))); // the server saw the close
        Assert.StartsWith("HTTP/1.1 200 ", await GetAsync(port, "/ok"), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_PortInUse_ThrowsListenerExceptionNamingThePort()
    {
        using var taken = new TcpListener(System.Net.IPAddress.IPv6Any, 0) { Server = { DualMode = true } };
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var error = Assert.Throws<ListenerException>(() => Http1Listener.Start(port, new Handler(_ => Http1Response.Text(200, ""))));
        Assert.Contains($"cannot listen on port {port}", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> GetAsync(int port, string path)
    {
        using Socket socket = await OpsServer.ConnectAsync(port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        var received = new MemoryStream();
        byte[] buffer = new byte[1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }

    private sealed class Handler(Func<Http1Request, Http1Response> answer) : IHttp1Handler
    {
        public ValueTask<Http1Response> HandleAsync(Http1Request request, CancellationToken cancellationToken) => ValueTask.FromResult(answer(request));
    }
}
