using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Http2;

// The response side: flow-controlled writes (RFC 9113 §5.2, §6.9), stream closing, and batched flushing.
// Every method named ...Locked expects _sync to be held.
internal sealed partial class Http2Connection
{
    private const int DefaultWindowSize = 65_535; // RFC 9113 §6.5.2, §6.9.2

    private const int OutputBufferSize = 16 * 1024;

    private readonly FrameWriter _writer;
    private readonly List<HeldResponse> _heldResponses = []; // responses waiting for send window, oldest first
    private PooledSecretBuffer _spare;  // the next buffer for _writer; empty (no array) while a flush holds it
    private bool _flushing;
    private bool _disposed;             // DisposeAsync ran: a flush that ends afterwards returns the buffers
    private bool _inReadBatch;
    private TaskCompletionSource? _outputDrained;
    private FlowWindow _connectionSendWindow = new(DefaultWindowSize);   // §6.9.2: 65,535 until the peer's WINDOW_UPDATE
    private int _peerInitialWindowSize = DefaultWindowSize;
    private int _peerMaxFrameSize = Http2Limits.DefaultMaxFrameSize;
    private FlowWindow _connectionReceiveWindow;
    private int _connectionCreditPending;

    private void SendServerPreface()
    {
        lock (_sync)
        {
            // §3.4: the server preface is a SETTINGS frame; the connection window is then opened past its 65,535 default.
            _writer.WriteSettings(
            [
                (SettingsParameter.MaxConcurrentStreams, (uint)_limits.MaxConcurrentStreams),
                (SettingsParameter.InitialWindowSize, (uint)_limits.InitialStreamWindowSize),
                (SettingsParameter.MaxFrameSize, (uint)_limits.MaxFrameSize),
                (SettingsParameter.MaxHeaderListSize, (uint)_limits.MaxHeaderListSize),
            ]);
            if (_limits.ConnectionWindowSize > DefaultWindowSize)
            {
                _writer.WriteWindowUpdate(0, _limits.ConnectionWindowSize - DefaultWindowSize);
            }
        }
    }

    internal void Respond(Http2Stream stream, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> data, ReadOnlySpan<byte> trailers)
    {
        lock (_sync)
        {
            if (stream.LocalEnded)
            {
                return; // reset by the peer, or the connection is gone
            }

            if (data.IsEmpty && trailers.IsEmpty)
            {
                _writer.WriteHeaders(stream.Id, headers, endStream: true, _peerMaxFrameSize);
                EndLocalLocked(stream);
            }
            else
            {
                _writer.WriteHeaders(stream.Id, headers, endStream: false, _peerMaxFrameSize);
                int sent = WriteDataLocked(stream, data);
                if (sent == data.Length)
                {
                    _writer.WriteHeaders(stream.Id, trailers, endStream: true, _peerMaxFrameSize);
                    EndLocalLocked(stream);
                }
                else
                {
                    // Out of window: keep the rest until a WINDOW_UPDATE or SETTINGS makes room.
                    _heldResponses.Add(new HeldResponse(stream, data[sent..], trailers, Pool));
                }
            }
        }

        RequestFlush();
        CloseIfDrained();
    }

    /// <summary>Writes as much of <paramref name="data"/> as both windows allow, in frames no larger than the peer accepts.</summary>
    private int WriteDataLocked(Http2Stream stream, ReadOnlySpan<byte> data)
    {
        int sent = 0;
        while (sent < data.Length)
        {
            int window = Math.Min(_connectionSendWindow.Size, stream.SendWindow.Size);
            if (window <= 0)
            {
                break;
            }

            int chunk = Math.Min(Math.Min(window, data.Length - sent), _peerMaxFrameSize);
            _writer.WriteData(stream.Id, data.Slice(sent, chunk), endStream: false);
            _connectionSendWindow.Consume(chunk);
            stream.SendWindow.Consume(chunk);
            sent += chunk;
        }

        return sent;
    }

    private void ResumeBlockedStreams()
    {
        for (int i = 0; i < _heldResponses.Count && _connectionSendWindow.Size > 0; i++)
        {
            HeldResponse held = _heldResponses[i];
            held.MarkSent(WriteDataLocked(held.Stream, held.UnsentData));
            if (held.AllDataSent)
            {
                _writer.WriteHeaders(held.Stream.Id, held.Trailers, endStream: true, _peerMaxFrameSize);
                EndLocalLocked(held.Stream); // disposes held and removes it from the list
                i--;
            }
        }
    }

    /// <summary>Our END_STREAM is written. §8.1: if the client is still sending, RST_STREAM(NO_ERROR) tells it to stop.</summary>
    private void EndLocalLocked(Http2Stream stream)
    {
        if (!stream.RemoteEnded)
        {
            _writer.WriteRstStream(stream.Id, Http2ErrorCode.NoError);
        }

        CloseStreamLocked(stream, closedEarly: !stream.RemoteEnded);
    }

    private void CloseStreamLocked(Http2Stream stream, bool closedEarly)
    {
        if (!stream.Dispatched && stream.BodyLength > 0)
        {
            // §6.9: the body's DATA was charged to the connection window and is about to be dropped undelivered
            // (Dispatch returns the credit of delivered bodies). Without this every reset mid-upload shrinks the
            // window for good, until a well-behaved client stalls.
            ReturnConnectionCreditLocked(stream.BodyLength);
        }

        stream.LocalEnded = true;
        _streams.Remove(stream.Id);
        ReleaseHeldResponseLocked(stream);
        if (closedEarly)
        {
            _closedStreams.Remember(stream.Id, StreamClosure.ClosedByUs);
        }
        else if (stream.RemoteEnded)
        {
            _closedStreams.Remember(stream.Id, StreamClosure.EndedByPeer);
        }
    }

    private void ReleaseHeldResponseLocked(Http2Stream stream)
    {
        for (int i = 0; i < _heldResponses.Count; i++)
        {
            if (_heldResponses[i].Stream == stream)
            {
                _heldResponses[i].Dispose();
                _heldResponses.RemoveAt(i);
                return;
            }
        }
    }

    /// <summary>A stream error (§5.4.2): RST_STREAM, and the stream, if it is open, is closed.</summary>
    private void WriteResetLocked(int streamId, Http2Stream? stream, Http2ErrorCode errorCode)
    {
        _writer.WriteRstStream(streamId, errorCode);
        if (stream is not null)
        {
            CloseStreamLocked(stream, closedEarly: true);
        }
        else
        {
            _closedStreams.Remember(streamId, StreamClosure.ClosedByUs);
        }
    }

    private void ResetStream(int streamId, Http2ErrorCode errorCode)
    {
        Http2Stream? stream;
        lock (_sync)
        {
            _streams.TryGetValue(streamId, out stream);
            WriteResetLocked(streamId, stream, errorCode);
        }

        if (stream is not null)
        {
            NotifyAborted(stream);
        }
    }

    private void NotifyAborted(Http2Stream stream)
    {
        if (stream.Dispatched)
        {
            _application.OnAborted(stream);
        }

        stream.ReleaseBody();
        CloseIfDrained();
    }

    /// <summary>
    /// Credits consumed request bytes back to the peer. The connection window is reopened only for bytes we no
    /// longer hold, so it also bounds how much unfinished request data one connection can make us buffer.
    /// </summary>
    private void ReturnConnectionCreditLocked(int bytes)
    {
        _connectionCreditPending += bytes;
        if (_connectionCreditPending >= _limits.ConnectionWindowSize / 4 || _connectionReceiveWindow.Size < _limits.ConnectionWindowSize / 2)
        {
            if (_connectionCreditPending > 0)
            {
                _writer.WriteWindowUpdate(0, _connectionCreditPending);
                _connectionReceiveWindow.Reopen(_connectionCreditPending);
                _connectionCreditPending = 0;
            }
        }
    }

    /// <summary>Flushes from a thread that is not the read loop, unless the read loop is about to flush anyway.</summary>
    private void RequestFlush()
    {
        lock (_sync)
        {
            if (_inReadBatch || _flushing || _writer.Length == 0)
            {
                return;
            }
        }

        _ = FlushAsync();
    }

    /// <summary>
    /// Sends everything written so far. One flusher at a time; a writer that finds a flush in progress leaves
    /// its bytes to it, since the flusher loops until the buffer is empty. Never throws: a failed write aborts
    /// the connection. Sent buffers are zeroed, since DATA frames of Decrypt responses hold plaintext.
    /// </summary>
    private async Task FlushAsync()
    {
        PooledSecretBuffer sending;
        lock (_sync)
        {
            _inReadBatch = false;
            if (_flushing || _disposed || _writer.Length == 0)
            {
                return;
            }

            _flushing = true;
            sending = _spare;
            _spare = default;
            _writer.Swap(ref sending);
        }

        bool failed = false;
        try
        {
            while (true)
            {
                await _transport.WriteAsync(sending.WrittenMemory).ConfigureAwait(false);
                sending.Clear();
                lock (_sync)
                {
                    if (_writer.Length == 0 || _disposed)
                    {
                        break;
                    }

                    _writer.Swap(ref sending);
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
            if (_disposed)
            {
                // DisposeAsync left the buffers to this flush: return them all.
                sending.Dispose();
                _writer.Dispose();
            }
            else
            {
                sending.Clear();
                _spare = sending;
            }

            _flushing = false;
            (drained, _outputDrained) = (_outputDrained, null);
        }

        drained?.TrySetResult();
        if (failed)
        {
            _readCancellation.Cancel();
        }
    }

    /// <summary>Flushes and waits until every byte written so far has gone to the socket (or the socket failed).</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            await FlushAsync().ConfigureAwait(false);
            Task wait;
            lock (_sync)
            {
                if (!_flushing)
                {
                    if (_writer.Length == 0 || _disposed)
                    {
                        return;
                    }

                    continue;
                }

                _outputDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _outputDrained.Task;
            }

            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>Marks the start of a read batch: writes made now are flushed by the read loop when the batch ends.</summary>
    private void BeginReadBatch()
    {
        lock (_sync)
        {
            _inReadBatch = true;
        }
    }

    /// <summary>Back-pressure: a peer that does not read its responses stops being read.</summary>
    private Task WaitForOutputRoomAsync()
    {
        lock (_sync)
        {
            if (!_flushing || _writer.Length < _limits.MaxBufferedOutput)
            {
                return Task.CompletedTask;
            }

            _outputDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _outputDrained.Task;
        }
    }
}
