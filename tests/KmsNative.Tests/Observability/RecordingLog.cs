using KmsNative.Kms.Hosting;

namespace KmsNative.Tests.Observability;

/// <summary>Keeps every line at or below <see cref="Level"/>, as the executable's log would write it.</summary>
internal sealed class RecordingLog : IKmsLog
{
    private readonly List<(LogLevel Level, string Message, (string Key, object? Value)[] Fields)> _lines = [];

    public LogLevel Level { get; set; } = LogLevel.Debug;

    public IReadOnlyList<(LogLevel Level, string Message, (string Key, object? Value)[] Fields)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public bool IsEnabled(LogLevel level) => level <= Level;

    public void Write(LogLevel level, string message, params (string Key, object? Value)[] fields)
    {
        if (IsEnabled(level))
        {
            lock (_lines)
            {
                _lines.Add((level, message, fields));
            }
        }
    }

    /// <summary>Every line in both of the executable's formats (klog text and JSON).</summary>
    public IEnumerable<string> Formatted()
    {
        foreach ((LogLevel level, string message, (string, object?)[] fields) in Lines)
        {
            yield return Log.FormatText(DateTime.UtcNow, level == LogLevel.Error ? 'E' : 'I', message, fields);
            yield return Log.FormatJson(DateTime.UtcNow, level.ToString(), message, fields);
        }
    }
}
