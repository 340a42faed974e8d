using System.Net.Sockets;
using KmsNative.Protocol.Buffers;
using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Server;

/// <summary>
/// Accepts connections on a listening socket and runs one <see cref="Http2Connection"/> per connection.
/// Graceful shutdown: stop accepting, GOAWAY every connection, let calls in flight answer within a grace period,
/// then abort what is left.
/// </summary>
internal sealed class Http2Server
{
    private readonly Socket _listener;
    private readonly IHttp2Application _application;
    private readonly Http2Limits _limits;
    private readonly int _maxConnections;
    private readonly string _name;
    private readonly TimeProvider _time;
    private readonly HashSet<Http2Connection> _connections = [];
    private readonly Dictionary<Http2Connection, int> _peerOf = [];      // _sync: the client process of each connection
    private readonly Dictionary<int, int> _connectionsPerPeer = [];      // _sync: connections each client process holds
    private readonly ByteBudget _bufferBudget;
    private readonly Func<Task>? _yieldSlice;
    private readonly TrimmableBufferPool _pool = new();
    private readonly IdleBufferTrimmer _trimmer;
    private readonly Lock _sync = new();
    private bool _stopping;
    private long _connectionCount;

    /// <param name="time">The clock of the grace period and of every connection's timeouts.</param>
    /// <param name="yieldSlice">How connections give their thread up when a slice of work is spent; a test knob (see <see cref="Http2Connection"/>).</param>
    public Http2Server(Socket listener, IHttp2Application application, Http2Limits limits, string name, TimeProvider time, Func<Task>? yieldSlice = null)
    {
        _yieldSlice = yieldSlice;
        _time = time;
        _listener = listener;
        _application = application;
        _limits = limits;
        _name = name;
        _maxConnections = limits.MaxConnections;
        _bufferBudget = new ByteBudget(limits.MaxBufferMemory);
        _trimmer = new IdleBufferTrimmer(_pool, time, limits.BufferTrimInterval, limits.BufferTrimThreshold);
    }

    /// <summary>
    /// Raised when a connection is refused: every slot busy, or its process holding as many as it may (for the log;
    /// may be frequent). The arguments say why and the limit that was reached.
    /// </summary>
    public event Action<string, int>? ConnectionRefused;

    /// <summary>Raised when a connection ends on a protocol error (for the log).</summary>
    public event EventHandler<Http2ConnectionException>? ConnectionFailed;

    /// <summary>Where every connection's buffers are rented; emptied after load by <see cref="Trimmer"/>.</summary>
    public TrimmableBufferPool Pool => _pool;

    public IdleBufferTrimmer Trimmer => _trimmer;

    /// <summary>The memory budget every connection's bodies, held responses and queued output are charged to.</summary>
    public ByteBudget BufferBudget => _bufferBudget;

    public int ConnectionCount
    {
        get
        {
            lock (_sync)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Accepts until the listener is closed by <see cref="ShutdownAsync"/>.</summary>
    public async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                lock (_sync)
                {
                    if (_stopping)
                    {
                        return;
                    }
                }

                continue; // a failed accept (EMFILE, a client that left) must not stop the server
            }

            Http2Connection connection;
            Http2Connection? evicted = null;
            int peer = PeerProcessId(socket);
            lock (_sync)
            {
                if (_stopping)
                {
                    socket.Dispose();
                    continue;
                }

                if (_limits.MaxConnectionsPerPeer > 0 && peer > 0 && _connectionsPerPeer.GetValueOrDefault(peer) >= _limits.MaxConnectionsPerPeer)
                {
                    Refuse(socket, "this client process holds as many connections as it may", _limits.MaxConnectionsPerPeer);
                    continue;
                }

                if (_connections.Count >= _maxConnections)
                {
                    // Full: someone makes room, so a kube-apiserver that reconnects always gets in however many
                    // idle, half-open or slowloris connections others hold (FindEvictableLocked says who). With no
                    // one to evict, the newcomer is refused.
                    evicted = FindEvictableLocked();
                    if (evicted is null)
                    {
                        Refuse(socket, "every connection slot is busy", _maxConnections);
                        continue;
                    }

                    RemoveLocked(evicted);
                }

                long id = ++_connectionCount;
                connection = new Http2Connection(new NetworkStream(socket, ownsSocket: true), _application, _limits, $"unix:{_name}#{id}", _time, _pool,
                    bufferBudget: _bufferBudget, yieldSlice: _yieldSlice);
                _connections.Add(connection);
                if (peer > 0)
                {
                    _peerOf[connection] = peer;
                    _connectionsPerPeer[peer] = _connectionsPerPeer.GetValueOrDefault(peer) + 1;
                }
            }

            evicted?.BeginShutdown(); // GOAWAY(NO_ERROR); with no stream it closes at once
            connection.ConnectionErrors += (sender, error) => ConnectionFailed?.Invoke(sender, error);
            _ = RunConnectionAsync(connection);
        }
    }

    public async Task ShutdownAsync(TimeSpan gracePeriod)
    {
        Http2Connection[] connections;
        lock (_sync)
        {
            _stopping = true;
            connections = [.. _connections];
        }

        _listener.Dispose();
        _trimmer.Stop();
        foreach (Http2Connection connection in connections)
        {
            connection.BeginShutdown();
        }

        Task all = Task.WhenAll(connections.Select(c => c.Completion));
        if (await Task.WhenAny(all, Task.Delay(gracePeriod, _time)).ConfigureAwait(false) != all)
        {
            foreach (Http2Connection connection in connections)
            {
                connection.Abort();
            }

            await all.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Who makes room when every slot is taken. First the oldest connection that has never sent a whole request, busy
    /// or not: half-open, silent since its handshake, or trickling a body (slowloris); kube-apiserver sends whole
    /// requests from its first call, so such connections cannot lock it out by holding streams open. Then the
    /// connection idle longest (no stream, no handler). Its streams, if any, still finish: eviction is GOAWAY.
    /// </summary>
    private Http2Connection? FindEvictableLocked()
    {
        Http2Connection? neverServed = null;
        Http2Connection? longestIdle = null;
        foreach (Http2Connection candidate in _connections)
        {
            if (!candidate.HasSentWholeRequest)
            {
                if (neverServed is null || candidate.ConnectedAt < neverServed.ConnectedAt)
                {
                    neverServed = candidate;
                }
            }
            else if (candidate.IdleSince != long.MaxValue && (longestIdle is null || candidate.IdleSince < longestIdle.IdleSince))
            {
                longestIdle = candidate;
            }
        }

        return neverServed ?? longestIdle;
    }

    /// <summary>
    /// RFC 9113 §3.4, §6.8: a server preface (empty SETTINGS), then GOAWAY(ENHANCE_YOUR_CALM, last stream 0), so the
    /// client learns why rather than seeing a reset. 52 bytes into a fresh socket's buffer: the send does not block.
    /// </summary>
    private void Refuse(Socket socket, string reason, int limit)
    {
        ConnectionRefused?.Invoke(reason, limit); // first: the log line is written before the client hears of it
        ReadOnlySpan<byte> debug = "connection limit reached"u8;
        Span<byte> frames = stackalloc byte[FrameHeader.Size * 2 + 8 + 24];
        frames.Clear();
        frames[3] = (byte)FrameType.Settings;                                   // length 0, flags 0, stream 0
        Span<byte> goAway = frames[FrameHeader.Size..];
        goAway[2] = (byte)(8 + debug.Length);
        goAway[3] = (byte)FrameType.GoAway;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(goAway[(FrameHeader.Size + 4)..], (uint)Http2ErrorCode.EnhanceYourCalm);
        debug.CopyTo(goAway[(FrameHeader.Size + 8)..]);
        try
        {
            socket.Blocking = false;
            socket.Send(frames);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // The client left already.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task RunConnectionAsync(Http2Connection connection)
    {
        try
        {
            // Leave the accept loop's thread at once: the connection's first read should not delay the next accept.
            await Task.Yield();
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_sync)
            {
                RemoveLocked(connection);
            }
        }
    }

    private void RemoveLocked(Http2Connection connection)
    {
        if (!_connections.Remove(connection) || !_peerOf.Remove(connection, out int peer))
        {
            return;
        }

        if (--_connectionsPerPeer[peer] == 0)
        {
            _connectionsPerPeer.Remove(peer);
        }
    }

    /// <summary>The client's process id from SO_PEERCRED (struct ucred: pid, uid, gid); 0 when the kernel does not say.</summary>
    private static int PeerProcessId(Socket socket)
    {
        const int SolSocket = 1, SoPeerCred = 17;
        Span<byte> credentials = stackalloc byte[12];
        try
        {
            return socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) >= 4
                ? System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(credentials)
                : 0;
        }
        catch (SocketException)
        {
            return 0;
        }
    }
}
