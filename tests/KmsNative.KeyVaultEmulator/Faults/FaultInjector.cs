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

    /// <summary>Plain-HTTP proxy-mode requests by their <c>x-azure-proxy-target</c> (KeyVault, AzureActiveDirectory).</summary>
    public IReadOnlyDictionary<string, long> Proxied => _proxied;

    public void CountProxied(string target) => _proxied.AddOrUpdate(target, 1, static (_, n) => n + 1);

    public void ResetCounters()
    {
        _requests.Clear();
        _faulted.Clear();
        _proxied.Clear();
    }
}
