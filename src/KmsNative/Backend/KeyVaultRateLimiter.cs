namespace KmsNative.Backend;

/// <summary>
/// Spreads Key Vault calls to at most <see cref="ConfiguredRate"/> a second (--keyvault-rate-limit), so a cold-start
/// storm (an apiserver restart decrypting one DEK per object) queues here instead of being throttled by the vault,
/// whose limit is per vault per 10 s (RSA-2048: 2,000 HSM / 4,000 software operations) and shared by every plugin.
/// <para>
/// Virtual scheduling on the injected clock: each permit takes the next free slot, slots 1/rate apart, so calls are
/// spaced evenly and any one-second window holds at most rate + 1 of them. A caller whose slot would come after its
/// deadline (less <see cref="CallAllowance"/> for the call itself) gets UNAVAILABLE at once and takes no slot:
/// kube-apiserver retries later rather than waiting for a DEADLINE_EXCEEDED. A 429 pauses everyone for its
/// Retry-After and halves the rate (at most once per pause); each quiet <see cref="RecoveryPeriod"/> doubles it back.
/// </para>
/// Thread-safe: one short lock per permit. A permit that is free now completes synchronously without allocating.
/// </summary>
internal sealed class KeyVaultRateLimiter
{
    /// <summary>Key Vault's throttling window: the rate recovers one step per window without a 429.</summary>
    public static readonly TimeSpan RecoveryPeriod = TimeSpan.FromSeconds(10);

    /// <summary>A pause after a 429 that carried no usable Retry-After.</summary>
    public static readonly TimeSpan DefaultPause = TimeSpan.FromSeconds(1);

    /// <summary>Time left for the Key Vault call itself after the permit: a slot later than deadline − this is refused.</summary>
    public static readonly TimeSpan CallAllowance = TimeSpan.FromMilliseconds(50);

    // Below 1/64 of the configured rate a storm of 429s slows no further: Retry-After pauses still apply.
    private const int MaxHalvings = 6;

    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private readonly long _configuredInterval; // timestamp ticks between slots at the configured rate
    private long _interval;
    private long _nextSlot;      // timestamp of the next free slot
    private long _pausedUntil;   // timestamp until which no slot is given (Retry-After)
    private long _quietSince;    // timestamp of the last 429, or of the last recovery step
    private long _throttleSignals;
    private long _refused;

    /// <param name="callsPerSecond">Positive; 0 (no limit) is expressed by not creating a limiter.</param>
    public KeyVaultRateLimiter(int callsPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(callsPerSecond);
        _time = time;
        ConfiguredRate = callsPerSecond;
        _configuredInterval = Math.Max(1, time.TimestampFrequency / callsPerSecond);
        _interval = _configuredInterval;
        long now = time.GetTimestamp();
        _nextSlot = now;
        _pausedUntil = now;
        _quietSince = now;
    }

    public int ConfiguredRate { get; }

    /// <summary>Calls a second allowed now: the configured rate, or less after 429s.</summary>
    public double CurrentRate
    {
        get
        {
            lock (_sync)
            {
                Recover(_time.GetTimestamp());
                return (double)_time.TimestampFrequency / _interval;
            }
        }
    }

    /// <summary>429s reported by the Key Vault client (each HTTP attempt, retries included).</summary>
    public long ThrottleSignals => Interlocked.Read(ref _throttleSignals);

    /// <summary>Calls refused because their turn came after their deadline.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Waits for this call's slot. Throws <see cref="KeyVaultRateLimitedException"/> (UNAVAILABLE) at once when the slot
    /// comes too late for <paramref name="deadline"/>, and <see cref="OperationCanceledException"/> when the token ends
    /// the wait (the slot is then lost: a rare case, which costs throughput, never the limit).
    /// </summary>
    /// <param name="deadline">UTC; <see cref="DateTime.MaxValue"/> when the call has none.</param>
    public ValueTask AcquireAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        long wait;
        lock (_sync)
        {
            long now = _time.GetTimestamp();
            Recover(now);
            long slot = Math.Max(now, Math.Max(_nextSlot, _pausedUntil));
            wait = slot - now;
            if (deadline != DateTime.MaxValue && wait > 0
                && _time.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency) + CallAllowance > deadline)
            {
                Interlocked.Increment(ref _refused);
                throw new KeyVaultRateLimitedException(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), CurrentRateLocked());
            }

            _nextSlot = slot + _interval;
        }

        return wait <= 0 ? ValueTask.CompletedTask : new ValueTask(Task.Delay(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), _time, cancellationToken));
    }

    /// <summary>
    /// Key Vault answered 429: nothing is sent before <paramref name="retryAfter"/> (<see cref="DefaultPause"/> when
    /// null) has passed, and the rate halves unless this 429 arrived during a pause an earlier one began (the calls in
    /// flight when the vault started throttling all come back 429: that is one signal, not many).
    /// </summary>
    public void OnThrottled(TimeSpan? retryAfter)
    {
        Interlocked.Increment(ref _throttleSignals);
        TimeSpan pause = retryAfter is { } value && value > TimeSpan.Zero ? Min(value, TimeSpan.FromMinutes(1)) : DefaultPause;
        lock (_sync)
        {
            long now = _time.GetTimestamp();
            if (now >= _pausedUntil && _interval < _configuredInterval << MaxHalvings)
            {
                _interval *= 2;
            }

            _pausedUntil = Math.Max(_pausedUntil, now + (long)(pause.TotalSeconds * _time.TimestampFrequency));
            _quietSince = now;
        }
    }

    // Under _sync: one doubling of the rate per quiet recovery period, back up to the configured rate.
    private void Recover(long now)
    {
        long period = (long)(RecoveryPeriod.TotalSeconds * _time.TimestampFrequency);
        while (_interval > _configuredInterval && now - _quietSince >= period)
        {
            _interval = Math.Max(_configuredInterval, _interval / 2);
            _quietSince += period;
        }
    }

    private double CurrentRateLocked() => (double)_time.TimestampFrequency / _interval;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
