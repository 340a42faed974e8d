using System.Buffers;
using KmsNative.Protocol.Buffers;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// One HTTP/2 server connection (RFC 9113, cleartext with prior knowledge) carrying unary requests. It composes
/// types that own their state: <see cref="PayloadReader"/> (frame payloads), <see cref="HeaderBlockAssembler"/>,
/// <see cref="ClosedStreams"/>, <see cref="FlowWindow"/>s, <see cref="HeldResponse"/>s and <see cref="OutputQueue"/>.
/// The read loop owns the socket's read side, the HPACK decoder and header-block assembly; everything the response
/// side shares with it is guarded by <see cref="_sync"/>, as each field's comment says.
/// Files: this one runs the loop and the lifetime, .Frames.cs, .Headers.cs and .Data.cs handle received frames,
/// .Output.cs sends responses under flow control and closes streams, .Budget.cs charges what a peer makes us do,
/// .WorkSlice.cs bounds how long the loop keeps a thread, .Timers.cs runs the timeouts.
/// </summary>
internal sealed partial class Http2Connection : IAsyncDisposable
{
    // RFC 9113 §3.4: the client connection preface.
    private static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private readonly Stream _transport;
    private readonly IHttp2Application _application;
    private readonly Http2Limits _limits;
    private readonly HpackDecoder _hpackDecoder;                        // read loop only
    private readonly RequestHeaderCollector _headerCollector = new();   // read loop only
    private readonly HeaderBlockAssembler _headerBlock;                 // read loop only (DisposeAsync once it has ended)
    private readonly Lock _sync = new();
    private readonly Dictionary<int, Http2Stream> _streams = [];        // open streams; _sync
    private readonly ClosedStreams _closedStreams = new();              // how recent streams closed; _sync
    private readonly CancellationTokenSource _readCancellation = new(); // thread-safe: cancelling ends the read loop
    private readonly OutputQueue _output;                               // its state is guarded by _sync too
    private readonly TimeProvider _time;
    private readonly ITimer _timer;                                     // handshake, then idle and request body timeouts (.Timers.cs)

    private PooledSecretBuffer _readBuffer; // read loop only (DisposeAsync once it has ended)
    private bool _prefaceReceived;          // read loop only
    private bool _settingsReceived;         // written by the read loop; the timer reads it (a stale false is harmless: SETTINGS re-arms the timer)
    private int _lastStreamId;              // highest stream id the peer opened (RFC 9113 §5.1.1); written by the read loop, read for GOAWAY
    private bool _goAwaySent;               // _sync
    private bool _peerGoAway;               // _sync

    /// <param name="time">The clock of the handshake and idle timeouts and of the reset budget's window.</param>
    /// <param name="pool">
    /// Where every buffer of this connection and its streams is rented: the server's <see cref="Buffers.TrimmableBufferPool"/>,
    /// <see cref="ArrayPool{T}.Shared"/> when null; tests pass a pool that checks each array comes back zeroed.
    /// </param>
    /// <param name="bufferBudget">
    /// The memory budget for request bodies, held responses and queued output, shared with the server's other
    /// connections; a budget of its own (<see cref="Http2Limits.MaxBufferMemory"/>) when null.
    /// </param>
    /// <param name="yieldSlice">
    /// How the read loop lets other work run once a slice's budget is spent (<see cref="Http2Limits.MaxWorkPerSlice"/>);
    /// <see cref="Task.Yield"/> when null. A test knob: a test holds the connection there to see who is served meanwhile.
    /// </param>
    public Http2Connection(Stream transport, IHttp2Application application, Http2Limits limits, string peerName, TimeProvider time,
        ArrayPool<byte>? pool = null, ByteBudget? bufferBudget = null, Func<Task>? yieldSlice = null)
    {
        _yieldSlice = yieldSlice;
        BufferBudget = bufferBudget ?? new ByteBudget(limits.MaxBufferMemory);
        _time = time;
        Pool = pool;
        _output = new OutputQueue(transport, _sync, limits.MaxBufferedOutput, _readCancellation.Cancel, pool, BufferBudget, ResumeBlockedStreams);
        _headerBlock = new HeaderBlockAssembler(pool);
        _transport = transport;
        _application = application;
        _limits = limits;
        PeerName = peerName;
        _hpackDecoder = new HpackDecoder(maxHeaderListSize: limits.MaxHeaderListSize);
        _readBuffer = new PooledSecretBuffer(Math.Max(32 * 1024, limits.MaxFrameSize + FrameHeader.Size), pool);
        _connectionReceiveWindow = new FlowWindow(limits.ConnectionWindowSize);
        _resetBudget = limits.MaxResetsPerWindow;
        _resetWindowStart = time.GetTimestamp();
        _idleSince = _resetWindowStart;
        _connectedAt = _resetWindowStart;
        _timerDue = _resetWindowStart + (long)(limits.HandshakeTimeout.TotalSeconds * time.TimestampFrequency);
        _timer = time.CreateTimer(static state => ((Http2Connection)state!).OnTimer(), this, limits.HandshakeTimeout, Timeout.InfiniteTimeSpan);
    }

    public string PeerName { get; }

    /// <summary>The server's memory budget for buffers (thread-safe): streams charge their request bodies to it.</summary>
    public ByteBudget BufferBudget { get; }

    /// <summary>The pool of this connection's buffers; null means <see cref="ArrayPool{T}.Shared"/>.</summary>
    public ArrayPool<byte>? Pool { get; }

    /// <summary>Completes when the connection has closed, for whatever reason.</summary>
    public Task Completion => _completion.Task;

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs the connection until the peer leaves, a connection error, or a drained graceful shutdown.</summary>
    public async Task RunAsync()
    {
        Http2ConnectionException? error = null;
        try
        {
            SendServerPreface();
            await _output.FlushAsync().ConfigureAwait(false);
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (Http2ConnectionException ex)
        {
            error = ex;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The peer went away, the write side failed, or we closed the transport to end the loop.
        }

        try
        {
            if (error is not null)
            {
                // RFC 9113 §5.4.1: GOAWAY with the last stream we processed and the error, then close.
                lock (_sync)
                {
                    _output.Writer.WriteGoAway(_lastStreamId, error.ErrorCode, System.Text.Encoding.ASCII.GetBytes(error.Message));
                    _goAwaySent = true;
                }

                ConnectionErrors?.Invoke(this, error);
            }

            await _output.DrainAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
        }
        finally
        {
            AbortAllStreams();
            await DisposeAsync().ConfigureAwait(false);
            _completion.TrySetResult();
        }
    }

    /// <summary>Raised once when the connection ends with a protocol error (for logging).</summary>
    public event EventHandler<Http2ConnectionException>? ConnectionErrors;

    /// <summary>
    /// Starts a graceful shutdown: GOAWAY(NO_ERROR) with the last stream id, refuse newer streams, close once the
    /// streams in flight have answered. Safe from any thread.
    /// </summary>
    public void BeginShutdown()
    {
        lock (_sync)
        {
            if (!_goAwaySent && !_output.IsDisposed)
            {
                _goAwaySent = true;
                _output.Writer.WriteGoAway(_lastStreamId, Http2ErrorCode.NoError, default);
            }
        }

        _output.RequestFlush();
        CloseIfDrained();
    }

    /// <summary>Closes at once: streams in flight are aborted. For a shutdown whose grace period ran out.</summary>
    public void Abort()
    {
        _readCancellation.Cancel();
        // A write to a peer that stopped reading waits for room in the socket that may never come, and the connection
        // can be waiting on that write (or on room in the output queue) rather than on a read: closing the transport
        // fails the write, so the grace period bounds shutdown whatever the peer does. RunAsync's cleanup disposes
        // it again, which is harmless.
        _transport.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        bool framesLeft = false; // the last slice ended on its work budget with whole frames still buffered
        while (true)
        {
            if (!framesLeft)
            {
                if (_readBuffer.FreeCapacity == 0)
                {
                    // Cannot happen while frames are bounded by MaxFrameSize and the buffer holds one whole frame.
                    throw new Http2ConnectionException(Http2ErrorCode.InternalError, "read buffer full");
                }

                ValueTask<int> reading = _transport.ReadAsync(_readBuffer.GetMemory(), _readCancellation.Token);
                if (!reading.IsCompleted)
                {
                    // The thread goes back to the socket engine and this loop resumes from a fresh event: a new slice.
                    _sliceCost = 0;
                }

                int read = await reading.ConfigureAwait(false);
                if (read == 0)
                {
                    return; // the peer closed its side
                }

                _readBuffer.Advance(read);
            }

            _output.BeginReadBatch();
            // Frames already handled may have carried a plaintext DEK (Encrypt requests): DiscardFront zeroes them.
            _readBuffer.DiscardFront(ProcessBuffered(_readBuffer.WrittenSpan, out framesLeft));

            // Everything the batch produced (responses of inline handlers, PING and SETTINGS ACKs, WINDOW_UPDATEs)
            // goes out in one write.
            await _output.FlushAsync().ConfigureAwait(false);
            await _output.WaitForRoomAsync().ConfigureAwait(false);
            if (_sliceCost >= _limits.MaxWorkPerSlice)
            {
                await YieldSliceAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Handles the preface and the whole frames in <paramref name="buffer"/> until the slice's work budget is spent;
    /// returns the bytes consumed. <paramref name="framesLeft"/> is true when it stopped on the budget.
    /// </summary>
    private int ProcessBuffered(ReadOnlySpan<byte> buffer, out bool framesLeft)
    {
        framesLeft = false;
        int total = buffer.Length;
        if (!_prefaceReceived)
        {
            int compare = Math.Min(buffer.Length, ClientPreface.Length);
            if (!buffer[..compare].SequenceEqual(ClientPreface[..compare]))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "invalid connection preface");
            }

            if (compare < ClientPreface.Length)
            {
                return 0;
            }

            _prefaceReceived = true;
            buffer = buffer[ClientPreface.Length..];
        }

        while (FrameReader.TryRead(ref buffer, _limits.MaxFrameSize, out FrameHeader header, out ReadOnlySpan<byte> payload))
        {
            _sliceCost += FrameHeader.Size + header.Length;
            ProcessFrame(header, payload);
            if (_resetBudgetSpent)
            {
                throw TooManyResets(); // a reset we sent spent the budget (WriteResetLocked)
            }

            if (_sliceCost >= _limits.MaxWorkPerSlice)
            {
                framesLeft = !buffer.IsEmpty;
                break;
            }
        }

        return total - buffer.Length;
    }

    private void CloseIfDrained()
    {
        bool close;
        lock (_sync)
        {
            close = (_goAwaySent || _peerGoAway) && _streams.Count == 0;
        }

        if (close)
        {
            // Flush what is queued (the GOAWAY, the last responses), then end the read loop.
            _ = FlushThenCloseAsync();
        }
    }

    private async Task FlushThenCloseAsync()
    {
        try
        {
            await _output.DrainAsync().ConfigureAwait(false);
        }
        finally
        {
            _readCancellation.Cancel();
        }
    }

    private void AbortAllStreams()
    {
        Http2Stream[] streams;
        lock (_sync)
        {
            streams = [.. _streams.Values];
            foreach (Http2Stream stream in streams)
            {
                stream.LocalEnded = true;
                stream.ReleaseOpen();
            }

            _streams.Clear();
            foreach (HeldResponse held in _heldResponses)
            {
                DisposeHeldLocked(held);
            }

            _heldResponses.Clear();
        }

        foreach (Http2Stream stream in streams)
        {
            if (stream.Dispatched)
            {
                _application.OnAborted(stream);
            }
            else
            {
                stream.Headers.Dispose(); // the application never saw it: nobody else releases its headers
            }

            stream.ReleaseBody();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        _output.Dispose(); // a flush still writing returns its buffers when it ends
        lock (_sync)
        {
            _readBuffer.Dispose(); // an unfinished request may still be in it
            _headerBlock.Dispose();
        }

        // _readCancellation is not disposed: Abort() and a late timer may still cancel it, and without a timer
        // of its own it holds nothing that needs disposing.
    }
}
