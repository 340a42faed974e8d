namespace KmsNative.Protocol.Http2;

// The connection's one timer: the handshake timeout, then the idle timeout (no stream for IdleTimeout) and the
// request body timeout (a stream whose request has not ended RequestBodyTimeout after its HEADERS). It runs on a
// thread-pool thread; everything it touches is under _sync.
internal sealed partial class Http2Connection
{
    private long _timerDue; // _sync: the timestamp the timer is armed for (long.MaxValue: not armed)

    private void OnTimer()
    {
        if (!_settingsReceived)
        {
            // Handshake timeout: no preface and SETTINGS in time. Nothing to say to a peer that says nothing.
            _readCancellation.Cancel();
            return;
        }

        List<Http2Stream>? expired = null;
        bool idle = false;
        lock (_sync)
        {
            long now = _time.GetTimestamp();
            _timerDue = long.MaxValue; // fired: not armed until re-armed below
            TimeSpan next = Timeout.InfiniteTimeSpan;
            if (_output.IsDisposed)
            {
                return; // the connection has ended while this callback was starting
            }

            if (_limits.RequestBodyTimeout > TimeSpan.Zero)
            {
                next = ExpireBodiesLocked(now, ref expired);
            }

            if (_limits.IdleTimeout > TimeSpan.Zero)
            {
                long idleSince = IdleSince;
                TimeSpan idleLeft = idleSince == long.MaxValue ? _limits.IdleTimeout : _limits.IdleTimeout - _time.GetElapsedTime(idleSince, now);
                idle = idleLeft <= TimeSpan.Zero;
                next = next == Timeout.InfiniteTimeSpan ? idleLeft : TimeSpan.FromTicks(Math.Min(next.Ticks, idleLeft.Ticks));
            }

            if (!idle && next != Timeout.InfiniteTimeSpan)
            {
                ArmTimerLocked(now, next > TimeSpan.Zero ? next : TimeSpan.FromMilliseconds(1));
            }
        }

        if (expired is not null)
        {
            foreach (Http2Stream stream in expired)
            {
                NotifyAborted(stream);
            }

            _output.RequestFlush(); // the RST_STREAMs
        }

        if (idle)
        {
            BeginShutdown();
        }
    }

    /// <summary>
    /// Resets with CANCEL every stream whose request has not ended within the body timeout; returns the time until the
    /// next such deadline. A stream handed to the application, or about to be (BodyTooLarge), is not ours to time out.
    /// </summary>
    private TimeSpan ExpireBodiesLocked(long now, ref List<Http2Stream>? expired)
    {
        TimeSpan next = Timeout.InfiniteTimeSpan;
        foreach (Http2Stream stream in _streams.Values)
        {
            if (stream.RemoteEnded || stream.Dispatched || stream.BodyTooLarge)
            {
                continue;
            }

            TimeSpan left = _limits.RequestBodyTimeout - _time.GetElapsedTime(stream.OpenedAt, now);
            if (left <= TimeSpan.Zero)
            {
                (expired ??= []).Add(stream);
            }
            else if (next == Timeout.InfiniteTimeSpan || left < next)
            {
                next = left;
            }
        }

        foreach (Http2Stream stream in expired ?? [])
        {
            // Not WriteResetLocked: that is the read loop's (it charges the reset budget, which only the read loop may
            // act on). The body is released under the lock here; the read loop appends to it only under the lock.
            _output.Writer.WriteRstStream(stream.Id, Http2ErrorCode.Cancel);
            CloseStreamLocked(stream, closedEarly: true);
            stream.ReleaseBody();
        }

        return next;
    }

    /// <summary>A stream now waits for its request body: make sure the timer fires by its deadline.</summary>
    private void ArmBodyTimeoutLocked(long now)
    {
        if (_limits.RequestBodyTimeout > TimeSpan.Zero
            && _timerDue > now + (long)(_limits.RequestBodyTimeout.TotalSeconds * _time.TimestampFrequency))
        {
            ArmTimerLocked(now, _limits.RequestBodyTimeout);
        }
    }

    private void ArmTimer(TimeSpan dueTime)
    {
        lock (_sync)
        {
            ArmTimerLocked(_time.GetTimestamp(), dueTime);
        }
    }

    private void ArmTimerLocked(long now, TimeSpan dueTime)
    {
        _timerDue = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : now + (long)(dueTime.TotalSeconds * _time.TimestampFrequency);
        try
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
