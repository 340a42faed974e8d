using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Http2;

// Streams opened and ended by field blocks: HEADERS, CONTINUATION (RFC 9113 §6.2, §6.10, §8.1) and what each block is
// for: a new stream's request headers, trailers, or a block decoded only to keep HPACK in step. Read loop only.
internal sealed partial class Http2Connection
{
    private void OnHeaders(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        int streamId = header.StreamId;
        if (streamId == 0 || (streamId & 1) == 0)
        {
            throw ProtocolError($"HEADERS on stream {streamId}: clients open odd-numbered streams"); // §5.1.1
        }

        ReadOnlySpan<byte> fragment = PayloadReader.ReadHeaders(header, payload, out int streamDependency);
        bool selfDependent = streamDependency == streamId; // §5.3.1: a stream cannot depend on itself

        bool endStream = header.HasFlag(FrameFlags.EndStream);
        HeaderBlockTarget target;
        Http2ErrorCode resetCode = Http2ErrorCode.NoError;
        if (streamId > _lastStreamId)
        {
            _lastStreamId = streamId;
            target = HeaderBlockTarget.NewStream;
            lock (_sync)
            {
                if (_goAwaySent)
                {
                    // §6.8: after our GOAWAY, newer streams are not processed; REFUSED_STREAM lets the client retry elsewhere.
                    (target, resetCode) = (HeaderBlockTarget.Discard, Http2ErrorCode.RefusedStream);
                }
                else if (Volatile.Read(ref _activeStreams) >= _limits.MaxConcurrentStreams)
                {
                    // §5.1.2: above our SETTINGS_MAX_CONCURRENT_STREAMS. Counted are open streams and closed ones
                    // whose handler still runs, so resets (ours or the peer's) never admit more handlers than that.
                    (target, resetCode) = (HeaderBlockTarget.Discard, Http2ErrorCode.RefusedStream);
                }
            }
        }
        else
        {
            bool open;
            bool remoteEnded = false;
            StreamClosure closure;
            lock (_sync)
            {
                open = _streams.TryGetValue(streamId, out Http2Stream? stream);
                remoteEnded = open && stream!.RemoteEnded;
                closure = open ? StreamClosure.Unknown : _closedStreams.Find(streamId);
            }

            if (open && !remoteEnded)
            {
                // Trailers: §8.1 requires END_STREAM on them.
                (target, resetCode) = endStream ? (HeaderBlockTarget.Trailers, Http2ErrorCode.NoError) : (HeaderBlockTarget.Discard, Http2ErrorCode.ProtocolError);
            }
            else if (open)
            {
                (target, resetCode) = (HeaderBlockTarget.Discard, Http2ErrorCode.StreamClosed); // §5.1 half-closed (remote)
            }
            else if (closure == StreamClosure.ClosedByUs)
            {
                (target, resetCode) = (HeaderBlockTarget.Discard, Http2ErrorCode.NoError);
            }
            else if (closure == StreamClosure.ResetByPeer)
            {
                // §5.1 closed: any frame but PRIORITY after receiving RST_STREAM is a stream error STREAM_CLOSED.
                (target, resetCode) = (HeaderBlockTarget.Discard, Http2ErrorCode.StreamClosed);
            }
            else if (closure == StreamClosure.EndedByPeer)
            {
                // §5.1 closed: frames after the peer's END_STREAM are a connection error of type STREAM_CLOSED.
                throw new Http2ConnectionException(Http2ErrorCode.StreamClosed, $"HEADERS on stream {streamId}, which the client already ended and which is closed");
            }
            else
            {
                throw ProtocolError($"HEADERS on stream {streamId}, not above the last stream {_lastStreamId}: stream ids must increase"); // §5.1.1
            }
        }

        if (selfDependent)
        {
            (target, resetCode) = (HeaderBlockTarget.Discard, Http2ErrorCode.ProtocolError);
        }

        if (header.HasFlag(FrameFlags.EndHeaders))
        {
            CompleteHeaderBlock(streamId, fragment, endStream, target, resetCode);
            return;
        }

        _headerBlock.Begin(streamId, fragment, endStream, target, resetCode);
    }

    private void OnContinuation(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (!_headerBlock.Continue(header, payload))
        {
            if (payload.IsEmpty)
            {
                ChargeReset(); // like empty DATA: work for us, nothing for the peer, and no end in sight
            }

            return;
        }

        HeaderBlockAssembler block = _headerBlock;
        int streamId = block.StreamId;
        try
        {
            CompleteHeaderBlock(streamId, block.Block, block.EndStream, block.Target, block.ResetCode);
        }
        finally
        {
            block.Clear();
        }
    }

    private void CompleteHeaderBlock(int streamId, ReadOnlySpan<byte> block, bool endStream, HeaderBlockTarget target, Http2ErrorCode resetCode)
    {
        if (target == HeaderBlockTarget.Trailers)
        {
            // §8.1: trailers are checked like headers (§8.1.1: malformed is a stream error PROTOCOL_ERROR), then dropped.
            _headerCollector.BeginTrailers();
            bool trailersWithinLimit = _hpackDecoder.Decode(block, _headerCollector);
            _headerCollector.End();
            ChargeHeaderListCost(trailersWithinLimit);
            Http2Stream? stream;
            lock (_sync)
            {
                _streams.TryGetValue(streamId, out stream);
            }

            if (!trailersWithinLimit || _headerCollector.Error is not null)
            {
                ResetStream(streamId, Http2ErrorCode.ProtocolError);
            }
            else if (stream is not null)
            {
                OnRemoteEnd(stream);
            }

            return;
        }

        if (target != HeaderBlockTarget.NewStream)
        {
            // §4.3: every block is decoded, even one we discard, or the dynamic table goes out of sync.
            ChargeHeaderListCost(_hpackDecoder.Decode(block, DiscardingHeaderHandler.Instance));
            if (resetCode != Http2ErrorCode.NoError)
            {
                ResetStream(streamId, resetCode);
            }

            return;
        }

        var newStream = new Http2Stream(this, streamId, _limits.InitialStreamWindowSize, _peerInitialWindowSize);
        _headerCollector.Begin(newStream.Headers);
        bool withinLimit = _hpackDecoder.Decode(block, _headerCollector);
        _headerCollector.End();
        if (!withinLimit)
        {
            newStream.Headers.Dispose();
            ChargeHeaderListCost(withinLimit);
            ResetStream(streamId, Http2ErrorCode.ProtocolError);
            return;
        }

        if (!withinLimit || _headerCollector.Error is not null)
        {
            // §8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR. An oversized header list gets the same.
            newStream.Headers.Dispose();
            ResetStream(streamId, Http2ErrorCode.ProtocolError);
            return;
        }

        lock (_sync)
        {
            newStream.SendWindow = new FlowWindow(_peerInitialWindowSize);
            _streams.Add(streamId, newStream);
            OnStreamOpenedLocked();
            if (!endStream)
            {
                newStream.OpenedAt = _time.GetTimestamp();
                ArmBodyTimeoutLocked(newStream.OpenedAt);
            }
        }

        if (endStream)
        {
            OnRemoteEnd(newStream);
        }
    }

    private sealed class DiscardingHeaderHandler : IHeaderHandler
    {
        public static readonly DiscardingHeaderHandler Instance = new();

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
        }
    }
}
