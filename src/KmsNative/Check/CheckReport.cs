using System.Globalization;
using System.Text;

namespace KmsNative.Check;

/// <summary>The lines <c>kmsnative --check</c> prints: one per step (PASS/FAIL, latency), facts found, and what to fix.</summary>
internal sealed class CheckReport
{
    private readonly StringBuilder _text = new();
    private readonly List<string> _fixes = [];

    public bool Failed { get; private set; }

    public void Pass(string step, TimeSpan elapsed, string detail) =>
        _text.Append(CultureInfo.InvariantCulture, $"PASS  {step,-14} {Milliseconds(elapsed),9}  {detail}\n");

    public void Fail(string step, TimeSpan elapsed, string detail, string fix)
    {
        Failed = true;
        _text.Append(CultureInfo.InvariantCulture, $"FAIL  {step,-14} {Milliseconds(elapsed),9}  {detail}\n");
        _fixes.Add($"{step}: {fix}");
    }

    public void Info(string name, string value) => _text.Append(CultureInfo.InvariantCulture, $"      {name,-14} {"",9}  {value}\n");

    /// <summary>A finding that makes the check fail although the step itself succeeded (a disabled key, say).</summary>
    public void Problem(string fix)
    {
        Failed = true;
        _fixes.Add(fix);
    }

    /// <summary>Writes the report and returns the exit code: 0 when nothing failed, else 1.</summary>
    public int WriteTo(TextWriter output)
    {
        output.Write(_text.ToString());
        if (_fixes.Count == 0)
        {
            output.Write("result: OK: the plugin can wrap and unwrap DEKs with this key\n");
            return 0;
        }

        output.Write("result: FAILED. To fix:\n");
        foreach (string fix in _fixes)
        {
            output.Write("  - " + fix + "\n");
        }

        return 1;
    }

    private static string Milliseconds(TimeSpan elapsed) => elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
