using System.Buffers;

namespace KmsNative.Protocol.Http2;

// The response side: flow-controlled writes (RFC 9113 §5.2, §6.9), stream closing, and batched flushing.
// Every method named ...Locked expects _sync to be held.
internal sealed partial class Http2Connection
{
    private const int DefaultWindowSize = 65_535; // RFC 9113 §6.5.2, §6.9.2

    private readonly FrameWriter _writer = new();
    private readonly List<Http2Stream> _blockedStreams = [];
    private byte[]? _spare = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private bool _flushing;
    private bool _inReadBatch;
    private TaskCompletionSource? _outputDrained;
    private long _connectionSendWindow = DefaultWindowSize;
    private int _peerInitialWindowSize = DefaultWindowSize;
    private int _peerMaxFrameSize = Http2Limits.DefaultMaxFrameSize;
    private int _connectionReceiveWindow;
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
                    int rest = data.Length - sent;
                    stream.PendingData = ArrayPool<byte>.Shared.Rent(rest);
                    data[sent..].CopyTo(stream.PendingData);
                    stream.PendingOffset = 0;
                    stream.PendingLength = rest;
                    stream.PendingTrailers = ArrayPool<byte>.Shared.Rent(Math.Max(1, trailers.Length));
                    trailers.CopyTo(stream.PendingTrailers);
                    stream.PendingTrailersLength = trailers.Length;
                    _blockedStreams.Add(stream);
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
            long window = Math.Min(_connectionSendWindow, stream.SendWindow);
            if (window <= 0)
            {
                break;
            }

            int chunk = (int)Math.Min(Math.Min(window, data.Length - sent), _peerMaxFrameSize);
            _writer.WriteData(stream.Id, data.Slice(sent, chunk), endStream: false);
            _connectionSendWindow -= chunk;
            stream.SendWindow -= chunk;
            sent += chunk;
        }

        return sent;
    }

    private void ResumeBlockedStreams()
    {
        for (int i = 0; i < _blockedStreams.Count && _connectionSendWindow > 0; i++)
        {
            Http2Stream stream = _blockedStreams[i];
            int sent = WriteDataLocked(stream, stream.PendingData.AsSpan(stream.PendingOffset, stream.PendingLength));
            stream.PendingOffset += sent;
            stream.PendingLength -= sent;
            if (stream.PendingLength == 0)
            {
                _writer.WriteHeaders(stream.Id, stream.PendingTrailers.AsSpan(0, stream.PendingTrailersLength), endStream: true, _peerMaxFrameSize);
                _blockedStreams.RemoveAt(i--);
                EndLocalLocked(stream);
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
        stream.ReleasePending();
        _streams.Remove(stream.Id);
        _blockedStreams.Remove(stream);
        if (closedEarly)
        {
            RememberClosedEarlyLocked(stream.Id);
        }
        else if (stream.RemoteEnded)
        {
            RememberEndedByPeerLocked(stream.Id);
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
            RememberClosedEarlyLocked(streamId);
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
        if (_connectionCreditPending >= _limits.ConnectionWindowSize / 4 || _connectionReceiveWindow < _limits.ConnectionWindowSize / 2)
        {
            if (_connectionCreditPending > 0)
            {
                _writer.WriteWindowUpdate(0, _connectionCreditPending);
                _connectionReceiveWindow += _connectionCreditPending;
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
        byte[] sending;
        int length;
        lock (_sync)
        {
            _inReadBatch = false;
            if (_flushing || _writer.Length == 0 || _spare is null)
            {
                return;
            }

            _flushing = true;
            sending = _writer.Swap(_spare, out length);
            _spare = null;
        }

        try
        {
            while (true)
            {
                await _transport.WriteAsync(sending.AsMemory(0, length)).ConfigureAwait(false);
                Array.Clear(sending, 0, length);
                TaskCompletionSource? drained = null;
                bool done = false;
                lock (_sync)
                {
                    if (_writer.Length == 0)
                    {
                        _spare = sending;
                        _flushing = false;
                        (drained, _outputDrained) = (_outputDrained, null);
                        done = true;
                    }
                    else
                    {
                        sending = _writer.Swap(sending, out length);
                    }
                }

                if (done)
                {
                    drained?.TrySetResult();
                    return;
                }
            }
        }
        catch (Exception)
        {
            Array.Clear(sending, 0, length);
            TaskCompletionSource? drained;
            lock (_sync)
            {
                _spare = sending;
                _flushing = false;
                (drained, _outputDrained) = (_outputDrained, null);
            }

            drained?.TrySetResult();
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
                    if (_writer.Length == 0 || _spare is null)
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
