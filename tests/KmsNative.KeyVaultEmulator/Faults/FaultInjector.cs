using System.Collections.Concurrent;

namespace KmsNative.KeyVaultEmulator.Faults;

/// <summary>Holds fault rules and per-operation counters. Thread-safe.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _sync = new();
    private readonly List<FaultRule> _rules = [];
    private readonly ConcurrentDictionary<string, long> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _faulted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _proxied = new(StringComparer.Ordinal);

    // Requests in the current one-second bucket (monotonic clock) and the most any bucket held: what a vault's
    // throttling sees, for build/bench-coldstart.sh to check the plugin's rate limit against.
    private long _second = -1;
    private long _inSecond;
    private long _peakPerSecond;

    public void Add(FaultRule rule)
    {
        lock (_sync)
        {
            rule.Remaining = rule.Count is > 0 ? rule.Count.Value : int.MaxValue;
            _rules.Add(rule);
        }
    }

    public void Clear()
    {
        lock (_sync)
        {
            _rules.Clear();
        }
    }

    public int ActiveRules
    {
        get
        {
            lock (_sync)
            {
                return _rules.Count;
            }
        }
    }

    /// <summary>Counts the request and returns the first matching rule, consuming one of its applications.</summary>
    public FaultRule? OnRequest(string operation)
    {
        _requests.AddOrUpdate(operation, 1, static (_, n) => n + 1);
        lock (_sync)
        {
            long second = Environment.TickCount64 / 1000;
            _inSecond = second == _second ? _inSecond + 1 : 1;
            _second = second;
            _peakPerSecond = Math.Max(_peakPerSecond, _inSecond);

            FaultRule? rule = _rules.Find(r => r.Matches(operation));
            if (rule is null)
            {
                return null;
            }
            if (--rule.Remaining <= 0)
            {
                _rules.Remove(rule);
            }
            _faulted.AddOrUpdate(operation, 1, static (_, n) => n + 1);
            return rule;
        }
    }

    public IReadOnlyDictionary<string, long> Requests => _requests;

    public IReadOnlyDictionary<string, long> Faulted => _faulted;

    /// <summary>The most requests (all operations) counted in any one second since the last reset.</summary>
    public long PeakPerSecond
    {
        get
        {
            lock (_sync)
            {
                return _peakPerSecond;
            }
        }
    }

    /// <summary>Plain-HTTP proxy-mode requests by their <c>x-azure-proxy-target</c> (KeyVault, AzureActiveDirectory).</summary>
    public IReadOnlyDictionary<string, long> Proxied => _proxied;

    public void CountProxied(string target) => _proxied.AddOrUpdate(target, 1, static (_, n) => n + 1);

    public void ResetCounters()
    {
        _requests.Clear();
        lock (_sync)
        {
            _second = -1;
            _inSecond = 0;
            _peakPerSecond = 0;
        }

        _faulted.Clear();
        _proxied.Clear();
    }
}
