namespace KmsNative.Protocol.Http2;

// The response side: flow-controlled writes (RFC 9113 §5.2, §6.9) and stream closing. Flushing is OutputQueue's.
// Every method named ...Locked expects _sync to be held.
internal sealed partial class Http2Connection
{
    private const int DefaultWindowSize = 65_535; // RFC 9113 §6.5.2, §6.9.2

    // Guarded by _sync, like everything the response side shares with the read loop.
    private readonly List<HeldResponse> _heldResponses = []; // responses waiting for send window, oldest first
    private FlowWindow _connectionSendWindow = new(DefaultWindowSize);   // §6.9.2: 65,535 until the peer's WINDOW_UPDATE
    private int _peerInitialWindowSize = DefaultWindowSize;              // the peer's SETTINGS (§6.5.2)
    private int _peerMaxFrameSize = Http2Limits.DefaultMaxFrameSize;
    private FlowWindow _connectionReceiveWindow;
    private int _connectionCreditPending;
    private int _heldBytes;                                              // sum of _heldResponses' sizes

    private void SendServerPreface()
    {
        lock (_sync)
        {
            // §3.4: the server preface is a SETTINGS frame; the connection window is then opened past its 65,535 default.
            _output.Writer.WriteSettings(
            [
                (SettingsParameter.MaxConcurrentStreams, (uint)_limits.MaxConcurrentStreams),
                (SettingsParameter.InitialWindowSize, (uint)_limits.InitialStreamWindowSize),
                (SettingsParameter.MaxFrameSize, (uint)_limits.MaxFrameSize),
                (SettingsParameter.MaxHeaderListSize, (uint)_limits.MaxHeaderListSize),
            ]);
            if (_limits.ConnectionWindowSize > DefaultWindowSize)
            {
                _output.Writer.WriteWindowUpdate(0, _limits.ConnectionWindowSize - DefaultWindowSize);
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
                _output.Writer.WriteHeaders(stream.Id, headers, endStream: true, _peerMaxFrameSize);
                EndLocalLocked(stream);
            }
            else
            {
                _output.Writer.WriteHeaders(stream.Id, headers, endStream: false, _peerMaxFrameSize);
                int sent = WriteDataLocked(stream, data);
                if (sent == data.Length)
                {
                    _output.Writer.WriteHeaders(stream.Id, trailers, endStream: true, _peerMaxFrameSize);
                    EndLocalLocked(stream);
                }
                else if (TryReserveHeldLocked(data.Length - sent + trailers.Length))
                {
                    // Out of window: keep the rest until a WINDOW_UPDATE or SETTINGS makes room.
                    _heldResponses.Add(new HeldResponse(stream, data[sent..], trailers, Pool));
                }
                else
                {
                    // Over this connection's or the server's bound for held responses: drop it rather than hold it.
                    _output.Writer.WriteRstStream(stream.Id, Http2ErrorCode.EnhanceYourCalm);
                    CloseStreamLocked(stream, closedEarly: true);
                }
            }
        }

        _output.RequestFlush();
        CloseIfDrained();
    }

    /// <summary>
    /// Writes as much of <paramref name="data"/> as both windows allow, in frames no larger than the peer accepts, and
    /// no more than the output buffer's room: a peer that opens its windows but does not read the socket must not make
    /// handlers queue unbounded bytes there. What is left waits as a <see cref="HeldResponse"/>, within the held bounds,
    /// and is resumed when a WINDOW_UPDATE, a SETTINGS or a completed socket write makes room.
    /// </summary>
    private int WriteDataLocked(Http2Stream stream, ReadOnlySpan<byte> data)
    {
        int sent = 0;
        while (sent < data.Length)
        {
            int window = Math.Min(Math.Min(_connectionSendWindow.Size, stream.SendWindow.Size), _output.Room);
            if (window <= 0)
            {
                break;
            }

            int chunk = Math.Min(Math.Min(window, data.Length - sent), _peerMaxFrameSize);
            _output.Writer.WriteData(stream.Id, data.Slice(sent, chunk), endStream: false);
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
                _output.Writer.WriteHeaders(held.Stream.Id, held.Trailers, endStream: true, _peerMaxFrameSize);
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
            _output.Writer.WriteRstStream(stream.Id, Http2ErrorCode.NoError);
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
        if (!stream.Dispatched)
        {
            // Never handed to the application, so nobody else will release its headers. Only the read loop closes
            // undispatched streams (handlers answer dispatched ones), so nothing reads them meanwhile.
            stream.Headers.Dispose();
        }

        _streams.Remove(stream.Id);
        stream.ReleaseOpen();
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
                DisposeHeldLocked(_heldResponses[i]);
                _heldResponses.RemoveAt(i);
                return;
            }
        }
    }

    /// <summary>
    /// A stream error (§5.4.2): RST_STREAM, and the stream, if it is open, is closed. Every reset we send was provoked
    /// by the peer, so it is charged to the same budget as the peer's own resets (CVE-2025-8671, "MadeYouReset"); once
    /// that is spent the read loop ends the connection with GOAWAY(ENHANCE_YOUR_CALM) after the current frame, so the
    /// caller still notifies the handler of this stream.
    /// </summary>
    private void WriteResetLocked(int streamId, Http2Stream? stream, Http2ErrorCode errorCode)
    {
        _output.Writer.WriteRstStream(streamId, errorCode);
        if (stream is not null)
        {
            CloseStreamLocked(stream, closedEarly: true);
        }
        else
        {
            _closedStreams.Remember(streamId, StreamClosure.ClosedByUs);
        }

        if (!TryChargeResetsLocked(1))
        {
            _resetBudgetSpent = true;
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
                _output.Writer.WriteWindowUpdate(0, _connectionCreditPending);
                _connectionReceiveWindow.Reopen(_connectionCreditPending);
                _connectionCreditPending = 0;
            }
        }
    }
}
