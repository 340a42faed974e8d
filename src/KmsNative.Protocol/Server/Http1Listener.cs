using System.Buffers;
using System.Net;
using System.Net.Sockets;
using KmsNative.Protocol.Http1;

namespace KmsNative.Protocol.Server;

/// <summary>
/// A small HTTP/1.1 server on one TCP port, for /healthz and /metrics: no bodies, keep-alive, one request at a time per
/// connection. It binds all interfaces (IPv6 dual-stack, or IPv4 when the host has no IPv6), as the Go plugin's
/// <c>":port"</c>. Each connection must deliver a request head within <see cref="Http1Limits.RequestHeadTimeout"/>
/// (measured on the injected <see cref="TimeProvider"/>); a partial head then gets 408, an idle connection is closed.
/// Malformed heads and heads over the limits get their 4xx/5xx and the connection is closed. Shares nothing with the
/// gRPC socket: its own accept loop, its own buffers.
/// </summary>
internal sealed class Http1Listener : IAsyncDisposable
{
    private const int MaxLingerBytes = 64 * 1024;

    private readonly Socket _listener;
    private readonly IHttp1Handler _handler;
    private readonly Http1Limits _limits;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Task> _connections = [];
    private readonly Lock _sync = new();
    private Task? _accepting;
    private int _active;

    private Http1Listener(Socket listener, IHttp1Handler handler, Http1Limits limits, TimeProvider time)
    {
        _listener = listener;
        _handler = handler;
        _limits = limits;
        _time = time;
    }

    /// <summary>Raised when a request is refused by the parser or a connection times out: status code and reason.</summary>
    public event Action<int, string>? RequestRefused;

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Binds and listens on all interfaces; <paramref name="port"/> 0 picks a free port (tests).</summary>
    /// <exception cref="ListenerException">The port cannot be bound (in use, or no permission).</exception>
    public static Http1Listener Start(int port, IHttp1Handler handler, Http1Limits? limits = null, TimeProvider? time = null)
    {
        Socket socket = BindAny(port);
        var listener = new Http1Listener(socket, handler, limits ?? new Http1Limits(), time ?? TimeProvider.System);
        listener._accepting = listener.AcceptLoopAsync();
        return listener;
    }

    /// <summary>Stops accepting, cancels requests in progress, closes every connection and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(false);
        }

        Task[] connections;
        lock (_sync)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static Socket BindAny(int port)
    {
        Socket? socket = null;
        try
        {
            if (Socket.OSSupportsIPv6)
            {
                socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
                socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            }
            else
            {
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Any, port));
            }

            socket.Listen(128);
            return socket;
        }
        catch (SocketException ex)
        {
            socket?.Dispose();
            throw new ListenerException($"cannot listen on port {port}: {ex.Message}", ex);
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                continue; // a connection that failed before accept completed (ECONNABORTED)
            }

            if (Interlocked.Increment(ref _active) > _limits.MaxConnections)
            {
                Interlocked.Decrement(ref _active);
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            Task connection = ServeAsync(socket);
            lock (_sync)
            {
                _connections.Add(connection);
            }

            _ = connection.ContinueWith(Forget, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await Task.Yield(); // off the accept loop
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_limits.MaxRequestHeadSize);
        try
        {
            int filled = 0;
            while (true)
            {
                using var deadline = new CancellationTokenSource(_limits.RequestHeadTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stopping.Token);
                Http1Request? request;
                int consumed;
                while (true)
                {
                    Http1ReadStatus status = Http1RequestReader.TryRead(buffer.AsSpan(0, filled), _limits, out request, out consumed, out Http1Error error);
                    if (status == Http1ReadStatus.Complete)
                    {
                        break;
                    }

                    if (status == Http1ReadStatus.Error)
                    {
                        RequestRefused?.Invoke(error.StatusCode, error.Reason);
                        await RefuseAsync(socket, error.StatusCode, error.Reason, linked.Token).ConfigureAwait(false);
                        return;
                    }

                    int received;
                    try
                    {
                        received = await socket.ReceiveAsync(buffer.AsMemory(filled, _limits.MaxRequestHeadSize - filled), SocketFlags.None, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (deadline.IsCancellationRequested && !_stopping.IsCancellationRequested)
                    {
                        // Bytes that arrived by the deadline count as a started request, read or not.
                        if (socket.Available > 0 && filled < _limits.MaxRequestHeadSize)
                        {
                            filled += socket.Receive(buffer.AsSpan(filled, _limits.MaxRequestHeadSize - filled));
                        }

                        using var closeDeadline = new CancellationTokenSource(_limits.RequestHeadTimeout, _time);
                        if (filled > 0)
                        {
                            // RFC 9110 §15.5.9: 408 for a request that did not complete in time; then close.
                            RequestRefused?.Invoke(408, "the request head did not arrive within " + _limits.RequestHeadTimeout.TotalSeconds + " s");
                            await SendAsync(socket, Http1Response.Text(408, "request timeout\n"), close: true, includeBody: true, allow: null, closeDeadline.Token).ConfigureAwait(false);
                        }

                        await LingerAsync(socket, closeDeadline.Token).ConfigureAwait(false);
                        return;
                    }

                    if (received == 0)
                    {
                        return; // the client closed
                    }

                    filled += received;
                }

                Http1Response response;
                string? allow = null;
                if (request!.Method is "GET" or "HEAD")
                {
                    try
                    {
                        response = await _handler.HandleAsync(request, _stopping.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
                    {
                        // A handler fault is the server's problem, not the connection's: answer 500 and close.
                        RequestRefused?.Invoke(500, "the handler failed: " + ex.GetType().Name);
                        await RefuseAsync(socket, 500, "internal error", linked.Token).ConfigureAwait(false);
                        return;
                    }
                }
                else
                {
                    allow = "GET, HEAD";
                    response = Http1Response.Text(405, "method not allowed\n");
                }

                bool close = !request.KeepAlive || _stopping.IsCancellationRequested;
                await SendAsync(socket, response, close, includeBody: request.Method != "HEAD", allow, linked.Token).ConfigureAwait(false);
                if (close)
                {
                    await LingerAsync(socket, linked.Token).ConfigureAwait(false);
                    return;
                }

                // Pipelined bytes of the next request stay; the next head gets a fresh deadline.
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // the client went away, the send timed out, or the listener is stopping
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            socket.Dispose();
            Interlocked.Decrement(ref _active);
        }
    }

    private static void Forget(Task connection, object? state)
    {
        var listener = (Http1Listener)state!;
        lock (listener._sync)
        {
            listener._connections.Remove(connection);
        }
    }

    private static async Task RefuseAsync(Socket socket, int statusCode, string reason, CancellationToken cancellationToken)
    {
        await SendAsync(socket, Http1Response.Text(statusCode, reason + "\n"), close: true, includeBody: true, allow: null, cancellationToken).ConfigureAwait(false);
        await LingerAsync(socket, cancellationToken).ConfigureAwait(false);
    }

    private static async Task SendAsync(Socket socket, Http1Response response, bool close, bool includeBody, string? allow, CancellationToken cancellationToken)
    {
        var output = new ArrayBufferWriter<byte>(256 + response.Body.Length);
        Http1ResponseWriter.Write(output, response, close, includeBody, allow);
        await socket.SendAsync(output.WrittenMemory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    // Closing a socket with unread input makes the kernel send RST, which can destroy the response before the client
    // reads it (RFC 9112 §9.6). Half-close, then read and drop what the client still sends, within bounds.
    private static async Task LingerAsync(Socket socket, CancellationToken cancellationToken)
    {
        socket.Shutdown(SocketShutdown.Send);
        byte[] sink = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            int total = 0;
            while (total < MaxLingerBytes)
            {
                int received = await socket.ReceiveAsync(sink, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (received == 0)
                {
                    return;
                }

                total += received;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sink);
        }
    }
}
