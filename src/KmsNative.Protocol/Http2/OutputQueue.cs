using System.Buffers;
using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// A connection's outgoing bytes: frames are written into <see cref="Writer"/>, and one flusher at a time sends them
/// to the transport; a writer that finds a flush running leaves its bytes to it, since the flusher loops until the
/// writer is empty. Two buffers take turns (the writer's and a spare), so writing goes on while a write is in flight.
/// Both are <see cref="PooledSecretBuffer"/>s: DATA frames of Decrypt responses carry DEKs. Queued bytes are charged
/// to the server's <see cref="ByteBudget"/> from when they are written until the socket has taken them.
/// </summary>
/// <remarks>
/// Every field is guarded by the connection's lock, passed in as <c>sync</c>, because frames are written under it
/// together with the stream state they reflect. <see cref="Writer"/> may only be used while holding it.
/// </remarks>
internal sealed class OutputQueue
{
    public const int BufferSize = 16 * 1024;

    private readonly Stream _transport;
    private readonly Lock _sync;
    private readonly int _maxBuffered;
    private readonly Action _onWriteFailed;
    private readonly Action? _onSent;
    private readonly ByteBudget _budget;
    private PooledSecretBuffer _spare;              // the writer's next buffer; empty while a flush holds it
    private bool _flushing;
    private bool _inReadBatch;                      // the read loop flushes when its batch ends
    private bool _disposed;                         // a flush that ends afterwards returns the buffers
    private TaskCompletionSource? _drained;         // completed when a flush empties the writer

    /// <param name="maxBuffered">Buffered bytes above which <see cref="WaitForRoomAsync"/> waits (a peer that stops reading).</param>
    /// <param name="onWriteFailed">Called once a write to the transport has failed (the connection then closes).</param>
    /// <param name="budget">The server's memory budget, charged with every queued byte until it is sent.</param>
    /// <param name="onSent">
    /// Called under the lock after each write to the transport: the writer has room again, so output held back for
    /// want of it may be written (and is sent by the same flush).
    /// </param>
    public OutputQueue(Stream transport, Lock sync, int maxBuffered, Action onWriteFailed, ArrayPool<byte>? pool, ByteBudget budget,
        Action? onSent = null)
    {
        _budget = budget;
        _onSent = onSent;
        _transport = transport;
        _sync = sync;
        _maxBuffered = maxBuffered;
        _onWriteFailed = onWriteFailed;
        Writer = new FrameWriter(BufferSize, pool, budget);
        _spare = new PooledSecretBuffer(BufferSize, pool);
    }

    /// <summary>
    /// How many more bytes of DATA may be queued: within this connection's bound on buffered output and what is left of
    /// the server's budget (read under the lock).
    /// </summary>
    public int Room => (int)Math.Max(0, Math.Min(_maxBuffered - Writer.Length, _budget.Available));

    /// <summary>Where frames are written, under the connection's lock.</summary>
    public FrameWriter Writer { get; }

    /// <summary>True once <see cref="Dispose"/> ran: nothing written now would be sent. Read under the lock.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Marks the start of a read batch: writes made now are flushed by the read loop when the batch ends.</summary>
    public void BeginReadBatch()
    {
        lock (_sync)
        {
            _inReadBatch = true;
        }
    }

    /// <summary>Flushes from a thread that is not the read loop, unless the read loop or a flusher is about to anyway.</summary>
    public void RequestFlush()
    {
        lock (_sync)
        {
            if (_inReadBatch || _flushing || Writer.Length == 0)
            {
                return;
            }
        }

        _ = FlushAsync();
    }

    /// <summary>
    /// Sends everything written so far, unless a flush is already running. Never throws: a failed write calls
    /// onWriteFailed. Sent bytes are zeroed before their buffer is reused or returned.
    /// </summary>
    public async Task FlushAsync()
    {
        PooledSecretBuffer sending;
        lock (_sync)
        {
            _inReadBatch = false;
            if (_flushing || _disposed || Writer.Length == 0)
            {
                return;
            }

            _flushing = true;
            sending = _spare;
            _spare = default;
            Writer.Swap(ref sending);
        }

        bool failed = false;
        try
        {
            while (true)
            {
                await _transport.WriteAsync(sending.WrittenMemory).ConfigureAwait(false);
                _budget.Release(sending.Length);
                sending.Clear();
                lock (_sync)
                {
                    if (!_disposed)
                    {
                        _onSent?.Invoke();
                    }

                    if (Writer.Length == 0 || _disposed)
                    {
                        break;
                    }

                    Writer.Swap(ref sending);
                }
            }
        }
        catch (Exception)
        {
            failed = true;
        }

        TaskCompletionSource? drained;
        lock (_sync)
        {
            _budget.Release(sending.Length); // unsent after a failed write; zero otherwise
            if (_disposed)
            {
                // Dispose left the buffers to this flush: return them all.
                sending.Dispose();
                Writer.Dispose();
            }
            else
            {
                sending.Clear();
                _spare = sending;
            }

            _flushing = false;
            (drained, _drained) = (_drained, null);
        }

        drained?.TrySetResult();
        if (failed)
        {
            _onWriteFailed();
        }
    }

    /// <summary>Flushes and waits until every byte written so far has gone to the transport (or the transport failed).</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            await FlushAsync().ConfigureAwait(false);
            Task wait;
            lock (_sync)
            {
                if (!_flushing)
                {
                    if (Writer.Length == 0 || _disposed)
                    {
                        return;
                    }

                    continue;
                }

                _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _drained.Task;
            }

            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Back-pressure: completes when the buffered output is below its bound and the server's budget is not spent, or at
    /// once when no flush runs (nothing of this connection's is waiting for the socket).
    /// </summary>
    public Task WaitForRoomAsync()
    {
        lock (_sync)
        {
            if (!_flushing || (Writer.Length < _maxBuffered && !_budget.IsSpent))
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    /// <summary>
    /// Returns the buffers to the pool, zeroed. A flush still writing holds one buffer and needs the writer: it returns
    /// both when it ends. Nothing written afterwards is sent.
    /// </summary>
    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
            if (!_flushing)
            {
                Writer.Dispose();
            }

            _spare.Dispose();
        }
    }
}
