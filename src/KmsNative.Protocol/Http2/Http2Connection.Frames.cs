namespace KmsNative.Protocol.Http2;

// Handling of each received frame type but HEADERS and CONTINUATION (.Headers.cs) and DATA (.Data.cs) (RFC 9113 §6). Read loop only.
internal sealed partial class Http2Connection
{
    private void ProcessFrame(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        // RFC 9113 §6.10: a header block must be continued by CONTINUATION frames of the same stream, and nothing else.
        _headerBlock.CheckNextFrame(header);

        // §3.4: the client preface ends with a SETTINGS frame.
        if (!_settingsReceived && header.Type != FrameType.Settings)
        {
            throw ProtocolError("the first frame after the preface must be SETTINGS");
        }

        switch (header.Type)
        {
            case FrameType.Data: OnData(header, payload); break;
            case FrameType.Headers: OnHeaders(header, payload); break;
            case FrameType.Priority: OnPriority(header, payload); break;
            case FrameType.RstStream: OnRstStream(header, payload); break;
            case FrameType.Settings: OnSettings(header, payload); break;
            case FrameType.PushPromise: throw ProtocolError("PUSH_PROMISE from a client"); // §8.4
            case FrameType.Ping: OnPing(header, payload); break;
            case FrameType.GoAway: OnGoAway(header, payload); break;
            case FrameType.WindowUpdate: OnWindowUpdate(header, payload); break;
            case FrameType.Continuation: OnContinuation(header, payload); break;
            default: break; // §5.5: unknown frame types are ignored
        }
    }

    private void OnSettings(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (PayloadReader.ReadSettings(header))
        {
            return; // an ACK of ours
        }

        if (!_settingsReceived)
        {
            _settingsReceived = true;
            if (_limits.IdleTimeout > TimeSpan.Zero)
            {
                ArmTimer(_limits.IdleTimeout);
            }
            else
            {
                ArmTimer(Timeout.InfiniteTimeSpan);
            }
        }

        // §6.5.3 processes values in order, but only the last INITIAL_WINDOW_SIZE of a frame is observable: applying
        // each one would cost entries × open streams per frame (thousands of entries × 256 streams held a socket thread
        // for milliseconds), so every value is checked as it is read and the last one is applied once.
        uint? initialWindowSize = null;
        uint? maxFrameSize = null;
        while (PayloadReader.TryReadSetting(ref payload, out SettingsParameter parameter, out uint value))
        {
            switch (parameter)
            {
                case SettingsParameter.InitialWindowSize:
                    initialWindowSize = value;
                    break;
                case SettingsParameter.MaxFrameSize:
                    maxFrameSize = value;
                    break;
                default:
                    // HEADER_TABLE_SIZE needs nothing: our encoder never adds to the dynamic table.
                    // MAX_CONCURRENT_STREAMS limits server-initiated streams, of which we have none.
                    // MAX_HEADER_LIST_SIZE is advisory, and our response blocks are a few bytes. Unknown ones are ignored.
                    break;
            }
        }

        lock (_sync)
        {
            if (initialWindowSize is { } size)
            {
                ApplyPeerInitialWindowSize(size);
            }

            if (maxFrameSize is { } frameSize)
            {
                _peerMaxFrameSize = (int)frameSize;
            }

            _output.Writer.WriteSettingsAck();
            ResumeBlockedStreams();
        }
    }

    private void ApplyPeerInitialWindowSize(uint value)
    {
        // §6.9.2: a change applies to every open stream's window, by the difference, and may push it past 2^31-1
        // (connection error) or below zero (allowed). PayloadReader has checked the value itself (§6.5.2).

        long delta = (long)value - _peerInitialWindowSize;
        ChargeSliceForStreamPass(_streams.Count);
        foreach (Http2Stream stream in _streams.Values)
        {
            if (!stream.SendWindow.TryAdjust(delta))
            {
                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window");
            }
        }

        _peerInitialWindowSize = (int)value;
    }

    private void OnPing(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        PayloadReader.ReadPing(header);

        if (!header.HasFlag(FrameFlags.Ack))
        {
            // §6.7: answer with the same payload. grpc-go sends a BDP ping after every response and waits for this.
            lock (_sync)
            {
                _output.Writer.WritePing(FrameFlags.Ack, payload);
            }
        }
    }

    private void OnGoAway(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        PayloadReader.ReadGoAway(header, payload, out _);

        // The client opens no more streams; answer those in flight, then close.
        lock (_sync)
        {
            _peerGoAway = true;
        }

        CloseIfDrained();
    }

    private void OnWindowUpdate(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        int increment = PayloadReader.ReadWindowUpdate(header, payload);
        if (header.StreamId == 0)
        {
            lock (_sync)
            {
                if (!_connectionSendWindow.TryIncrease(increment))
                {
                    throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "connection window above 2^31-1"); // §6.9.1
                }

                ResumeBlockedStreams();
            }

            return;
        }

        if (IsIdle(header.StreamId))
        {
            throw ProtocolError($"WINDOW_UPDATE on idle stream {header.StreamId}"); // §5.1
        }

        Http2Stream? aborted = null;
        lock (_sync)
        {
            if (!_streams.TryGetValue(header.StreamId, out Http2Stream? stream))
            {
                return; // §6.9: may arrive after the stream closed
            }

            if (increment == 0 || !stream.SendWindow.TryIncrease(increment))
            {
                // §6.9: a zero increment is a stream error PROTOCOL_ERROR; §6.9.1: overflow is FLOW_CONTROL_ERROR.
                WriteResetLocked(stream.Id, stream, increment == 0 ? Http2ErrorCode.ProtocolError : Http2ErrorCode.FlowControlError);
                aborted = stream;
            }
            else
            {
                ResumeBlockedStreams();
            }
        }

        if (aborted is not null)
        {
            NotifyAborted(aborted);
        }
    }

    private void OnRstStream(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        PayloadReader.ReadRstStream(header, payload);
        if (IsIdle(header.StreamId))
        {
            throw ProtocolError($"RST_STREAM on idle stream {header.StreamId}"); // §6.4
        }

        ChargeReset();
        Http2Stream? aborted = null;
        lock (_sync)
        {
            if (_streams.TryGetValue(header.StreamId, out Http2Stream? stream))
            {
                // §5.1: the peer reset it, so the peer sends nothing more on it: unlike a stream we reset, late
                // frames are not expected and get STREAM_CLOSED rather than being ignored.
                CloseStreamLocked(stream, closedEarly: false);
                _closedStreams.Remember(header.StreamId, StreamClosure.ResetByPeer);
                aborted = stream;
            }
        }

        if (aborted is not null)
        {
            NotifyAborted(aborted);
        }
    }

    private void OnPriority(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        // §6.3: PRIORITY is deprecated and we ignore it, but its framing rules still hold.
        Http2ErrorCode streamError = PayloadReader.ReadPriority(header, payload);
        if (streamError != Http2ErrorCode.NoError)
        {
            ResetStream(header.StreamId, streamError);
        }
    }

    /// <summary>
    /// §5.1: a stream the client has not opened yet, or an even one: those are server-initiated and we never push,
    /// so they are idle forever. Only HEADERS and PRIORITY may arrive on an idle stream.
    /// </summary>
    private bool IsIdle(int streamId) => streamId > _lastStreamId || (streamId & 1) == 0;

    private static Http2ConnectionException ProtocolError(string message) => new(Http2ErrorCode.ProtocolError, message);
}
