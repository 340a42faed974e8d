using System.Globalization;
using System.Text;

namespace KmsNative.Kms.Observability;

/// <summary>
/// The Prometheus text exposition format 0.0.4: <c># HELP</c>, <c># TYPE</c>, then <c>name{label="value"} number</c>
/// lines. Label values are escaped (backslash, double quote, newline) and numbers are written as Go's
/// strconv.FormatFloat('g') would for the values we have (invariant culture, +Inf, NaN).
/// <code>
///   # HELP kms_request Distribution of how long it took for an operation
///   # TYPE kms_request histogram
///   kms_request_bucket{operation="encrypt",status="success",le="0.0005"} 3
///   ...
///   kms_request_sum{operation="encrypt",status="success"} 0.00081
///   kms_request_count{operation="encrypt",status="success"} 3
/// </code>
/// </summary>
internal sealed class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new(8192);

    public override string ToString() => _text.ToString();

    public byte[] ToUtf8() => Encoding.UTF8.GetBytes(_text.ToString());

    public void Header(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ');
        foreach (char c in help)
        {
            _ = c switch
            {
                '\\' => _text.Append("\\\\"),
                '\n' => _text.Append("\\n"),
                _ => _text.Append(c),
            };
        }

        _text.Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Gauge(string name, string help, double value)
    {
        Header(name, "gauge", help);
        Sample(name, [], value);
    }

    public void Counter(string name, string help, double value)
    {
        Header(name, "counter", help);
        Sample(name, [], value);
    }

    public void Sample(string name, ReadOnlySpan<(string Name, string Value)> labels, double value)
    {
        _text.Append(name);
        if (!labels.IsEmpty)
        {
            _text.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }

                _text.Append(labels[i].Name).Append("=\"");
                AppendEscaped(labels[i].Value);
                _text.Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ');
        AppendNumber(value);
        _text.Append('\n');
    }

    /// <summary>One histogram series: cumulative buckets with <c>le</c> appended to <paramref name="labels"/>, then _sum and _count.</summary>
    public void HistogramSeries(string name, ReadOnlySpan<(string Name, string Value)> labels, Histogram histogram)
    {
        ReadOnlySpan<double> bounds = histogram.Bounds;
        Span<long> cumulative = stackalloc long[bounds.Length + 1];
        long count = histogram.Count;
        double sum = histogram.SumSeconds;
        histogram.ReadCumulative(cumulative);
        var withLe = new (string, string)[labels.Length + 1];
        labels.CopyTo(withLe);
        for (int i = 0; i <= bounds.Length; i++)
        {
            withLe[^1] = ("le", i < bounds.Length ? FormatNumber(bounds[i]) : "+Inf");
            // The +Inf bucket must equal _count; read once so a concurrent Observe cannot make them differ.
            Sample(name + "_bucket", withLe, i < bounds.Length ? Math.Min(cumulative[i], count) : count);
        }

        Sample(name + "_sum", labels, sum);
        Sample(name + "_count", labels, count);
    }

    public static string FormatNumber(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private void AppendNumber(double value) => _text.Append(FormatNumber(value));

    private void AppendEscaped(string value)
    {
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => _text.Append("\\\\"),
                '"' => _text.Append("\\\""),
                '\n' => _text.Append("\\n"),
                _ => _text.Append(c),
            };
        }
    }
}
