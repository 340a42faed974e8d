namespace KmsNative.Backend;

/// <summary>
/// The background loop behind health and rotation, on the injected clock (not driven by Status): a check every
/// <see cref="BackendSettings.CheckInterval"/> while healthy, retried after <see cref="BackendSettings.MinCheckBackoff"/>
/// doubling to <see cref="BackendSettings.MaxCheckBackoff"/> while not, and a canary (a real encrypt + decrypt) with the
/// first check and then every <see cref="BackendSettings.CanaryInterval"/>. <see cref="StopAsync"/> cancels a check in
/// flight and the wait, and returns once the loop has ended.
/// </summary>
internal sealed class KeyVaultMonitor : IDisposable
{
    /// <summary>One check: returns whether the key is usable. Its token is cancelled by the check timeout or by stop.</summary>
    public delegate Task<bool> CheckAsync(bool canary, CancellationToken cancellationToken);

    private readonly TimeProvider _time;
    private readonly BackendSettings _settings;
    private readonly CheckAsync _check;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstCheck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private int _checks;

    public KeyVaultMonitor(TimeProvider time, BackendSettings settings, CheckAsync check)
    {
        _time = time;
        _settings = settings;
        _check = check;
    }

    /// <summary>Raised after each check with its outcome; tests wait on it instead of sleeping.</summary>
    public event Action<bool>? Checked;

    /// <summary>Checks completed so far.</summary>
    public int Checks => Volatile.Read(ref _checks);

    /// <summary>
    /// Completes when the first check has an outcome, or at stop. kube-apiserver asks for Status as soon as the socket
    /// accepts; answering "not checked yet" then would mark a healthy plugin unhealthy until its next poll.
    /// </summary>
    public Task FirstCheck => _loop is null ? Task.CompletedTask : _firstCheck.Task;

    public void Start() => _loop ??= Task.Run(RunAsync);

    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _firstCheck.TrySetResult();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync()
    {
        CancellationToken stop = _stopping.Token;
        TimeSpan backoff = _settings.MinCheckBackoff;
        DateTimeOffset nextCanary = DateTimeOffset.MinValue;
        while (!stop.IsCancellationRequested)
        {
            bool canary = _time.GetUtcNow() >= nextCanary;
            bool healthy = false;
            using (var deadline = new CancellationTokenSource(_settings.CheckTimeout, _time))
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token))
            {
                try
                {
                    healthy = await _check(canary, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return; // shutting down: a cancelled check is not a change of health
                }
            }

            if (healthy && canary)
            {
                nextCanary = _time.GetUtcNow() + _settings.CanaryInterval;
            }

            TimeSpan delay = healthy ? _settings.CheckInterval : backoff;
            backoff = healthy ? _settings.MinCheckBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.MaxCheckBackoff.Ticks));
            // The timer exists before Checked is raised, so a test that advances a fake clock on Checked cannot miss it.
            Task wait = Task.Delay(delay, _time, stop);
            Interlocked.Increment(ref _checks);
            _firstCheck.TrySetResult();
            Checked?.Invoke(healthy);
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
