using System.Globalization;
using System.Text;
using KmsNative.Kms.Observability;

namespace KmsNative.Backend;

/// <summary>Calls per <see cref="KeyVaultOutcome"/> over a <see cref="TrafficWindow"/>.</summary>
internal struct TrafficSummary
{
    private int _succeeded;
    private int _rejected;
    private int _deadlineExceeded;
    private int _throttled;
    private int _unavailable;
    private int _refused;
    private int _failed;

    /// <summary>Calls that say the vault is slow, throttling, down or refusing us.</summary>
    public readonly int Failures => _deadlineExceeded + _throttled + _unavailable + _refused + _failed;

    public readonly int Total => _succeeded + _rejected + Failures;

    public void Add(KeyVaultOutcome outcome, int count)
    {
        switch (outcome)
        {
            case KeyVaultOutcome.Succeeded: _succeeded += count; break;
            case KeyVaultOutcome.Rejected: _rejected += count; break;
            case KeyVaultOutcome.DeadlineExceeded: _deadlineExceeded += count; break;
            case KeyVaultOutcome.Throttled: _throttled += count; break;
            case KeyVaultOutcome.Unavailable: _unavailable += count; break;
            case KeyVaultOutcome.Failed: _failed += count; break;
            default: _refused += count; break;
        }
    }

    /// <summary>The class with most failures, for a state that changes only when the kind of trouble does.</summary>
    public readonly string DominantFailure
    {
        get
        {
            int max = Math.Max(Math.Max(_deadlineExceeded, _throttled), Math.Max(Math.Max(_unavailable, _refused), _failed));
            return max == _deadlineExceeded ? "deadline exceeded" : max == _throttled ? "throttled" : max == _unavailable ? "unavailable" : max == _refused ? "refused" : "failed";
        }
    }

    /// <summary>"Key Vault calls in the last 60 s: 12 of 12 failed (deadline exceeded 10, throttled 2)".</summary>
    public readonly string Describe(TimeSpan window)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Key Vault calls in the last {(int)window.TotalSeconds} s: {Failures} of {Total} failed (");
        string separator = "";
        void Part(string name, int count)
        {
            if (count > 0)
            {
                text.Append(separator).Append(name).Append(' ').Append(count.ToString(CultureInfo.InvariantCulture));
                separator = ", ";
            }
        }

        Part("deadline exceeded", _deadlineExceeded);
        Part("throttled (429)", _throttled);
        Part("unavailable", _unavailable);
        Part("refused (auth, permission or key state)", _refused);
        Part("other errors", _failed);
        return text.Append(')').ToString();
    }
}
