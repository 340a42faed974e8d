namespace KmsNative.Protocol.Http2;

// Request bodies: DATA frames (RFC 9113 §6.1) under flow control, charged to the server's buffer budget, and the
// hand-over of a complete request to the application. Read loop only.
internal sealed partial class Http2Connection
{
    private void OnData(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        int streamId = header.StreamId;
        if (streamId == 0)
        {
            throw ProtocolError("DATA on stream 0"); // §6.1
        }

        if (IsIdle(streamId))
        {
            throw ProtocolError($"DATA on idle stream {streamId}"); // §5.1
        }

        ReadOnlySpan<byte> data = PayloadReader.ReadData(header, payload);
        bool endStream = header.HasFlag(FrameFlags.EndStream);
        Http2Stream? stream;
        bool accepted = false;
        bool resetSent = false;
        lock (_sync)
        {
            // §6.9.1: every DATA frame counts against the connection window, whatever happens to it next.
            if (!_connectionReceiveWindow.TryReceive(header.Length))
            {
                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "DATA beyond the connection window");
            }

            _streams.TryGetValue(streamId, out stream);
            if (stream is null || stream.RemoteEnded || stream.BodyTooLarge)
            {
                ReturnConnectionCreditLocked(header.Length);
                if (stream is { BodyTooLarge: true, RemoteEnded: false } || (stream is null && _closedStreams.Find(streamId) == StreamClosure.ClosedByUs))
                {
                    // We answered this stream first (or are discarding its oversized body): late DATA is expected.
                }
                else
                {
                    // §6.1: DATA on a stream not open for receiving is a stream error of type STREAM_CLOSED.
                    WriteResetLocked(streamId, stream, Http2ErrorCode.StreamClosed);
                    resetSent = stream is not null;
                }
            }
            else
            {
                if (!stream.ReceiveWindow.TryReceive(header.Length))
                {
                    // §6.9.1: the peer ignored the stream window.
                    ReturnConnectionCreditLocked(header.Length);
                    WriteResetLocked(streamId, stream, Http2ErrorCode.FlowControlError);
                    resetSent = true;
                }
                else
                {
                    accepted = true;
                }
            }
        }

        if (resetSent)
        {
            NotifyAborted(stream!);
        }

        if (!accepted)
        {
            return;
        }

        if (data.IsEmpty && !endStream)
        {
            ChargeReset(); // empty DATA frames cost us work and the peer nothing (CVE-2019-9518)
        }

        bool overBudget = false;
        lock (_sync)
        {
            if (stream!.LocalEnded)
            {
                // The request body timeout closed it since the first look (.Timers.cs): the DATA is dropped.
                ReturnConnectionCreditLocked(header.Length);
                return;
            }

            // Padding is never buffered: give its credit back now.
            ReturnConnectionCreditLocked(header.Length - data.Length);
            if (stream.BodyLength + data.Length > _limits.MaxRequestMessageSize + 5)
            {
                ReturnConnectionCreditLocked(stream.BodyLength + data.Length);
                stream.BodyTooLarge = true;
            }
            else if (!endStream && stream.ReceiveWindow.Size < _limits.InitialStreamWindowSize / 2)
            {
                int increment = _limits.InitialStreamWindowSize - stream.ReceiveWindow.Size;
                _output.Writer.WriteWindowUpdate(streamId, increment);
                stream.ReceiveWindow.Reopen(increment);
            }

            // Under the lock: the request body timeout releases undispatched bodies from the timer's thread.
            if (!stream.BodyTooLarge && !stream.TryAppendBody(data))
            {
                // The server's buffer budget is spent (--max-buffer-memory): drop this request rather than hold it.
                // ENHANCE_YOUR_CALM reaches a gRPC client as RESOURCE_EXHAUSTED. Not charged to the reset budget:
                // other connections may have spent the memory, and this client did nothing wrong.
                ReturnConnectionCreditLocked(data.Length);
                _output.Writer.WriteRstStream(streamId, Http2ErrorCode.EnhanceYourCalm);
                CloseStreamLocked(stream, closedEarly: true);
                overBudget = true;
            }
        }

        if (overBudget)
        {
            NotifyAborted(stream);
            return;
        }

        if (stream.BodyTooLarge)
        {
            stream.ReleaseBody();
            Dispatch(stream); // the application answers RESOURCE_EXHAUSTED now; later DATA is discarded
            return;
        }

        if (endStream)
        {
            OnRemoteEnd(stream);
        }
    }

    private void OnRemoteEnd(Http2Stream stream)
    {
        lock (_sync)
        {
            if (stream.LocalEnded)
            {
                return; // closed by the request body timeout meanwhile
            }

            stream.RemoteEnded = true;
        }

        // §8.1.1: a content-length that disagrees with the DATA received makes the request malformed.
        if (stream.Headers.HasContentLength
            && (!System.Buffers.Text.Utf8Parser.TryParse(stream.Headers.ContentLength, out long declared, out int used)
                || used != stream.Headers.ContentLength.Length || declared != stream.BodyLength))
        {
            ResetStream(stream.Id, Http2ErrorCode.ProtocolError); // returns the body's connection credit
            return;
        }

        Volatile.Write(ref _wholeRequestSeen, true);
        Dispatch(stream);
    }

    private void Dispatch(Http2Stream stream)
    {
        stream.Dispatched = true;
        ChargeSliceForRequest();
        stream.HoldForHandler(); // until the application's CompleteHandler, whatever happens to the stream
        try
        {
            _application.OnRequest(stream);
        }
        finally
        {
            if (!stream.BodyTooLarge)
            {
                lock (_sync)
                {
                    ReturnConnectionCreditLocked(stream.BodyLength);
                }
            }

            stream.ReleaseBody();
        }
    }
}
