using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace KmsNative;

/// <summary>
/// Structured logging to stderr, in klog's text format (as the Go plugin) or as JSON (--log-format-json).
/// Levels follow the Go plugin's -v: errors and warnings always, info from 2, debug from 4.
/// Never pass key material, plaintext, ciphertext or tokens: values are written as given.
/// </summary>
internal static class Log
{
    private static readonly Lock s_sync = new();
    private static bool s_json;
    private static int s_verbosity;

    public static void Configure(bool json, int verbosity)
    {
        s_json = json;
        s_verbosity = verbosity;
    }

    public static bool IsEnabled(Kms.Hosting.LogLevel level) => level switch
    {
        Kms.Hosting.LogLevel.Verbose => s_verbosity >= 2,
        Kms.Hosting.LogLevel.Debug => s_verbosity >= 4,
        _ => true,
    };

    public static void Always(string message, params (string Key, object? Value)[] fields) => Write('I', "info", message, fields);

    public static void Info(string message, params (string Key, object? Value)[] fields)
    {
        if (s_verbosity >= 2)
        {
            Write('I', "info", message, fields);
        }
    }

    public static void Debug(string message, params (string Key, object? Value)[] fields)
    {
        if (s_verbosity >= 4)
        {
            Write('I', "debug", message, fields);
        }
    }

    public static void Warning(string message, params (string Key, object? Value)[] fields) => Write('W', "warning", message, fields);

    public static void Error(string message, params (string Key, object? Value)[] fields) => Write('E', "error", message, fields);

    private static void Write(char severity, string level, string message, (string Key, object? Value)[] fields)
    {
        DateTime now = DateTime.UtcNow;
        string line = s_json ? FormatJson(now, level, message, fields) : FormatText(now, severity, message, fields);
        lock (s_sync)
        {
            Console.Error.WriteLine(line);
        }
    }

    // klog: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg, with structured key="value" pairs. Strings are quoted as
    // Go's %q (klog's text format), numbers and booleans are bare.
    internal static string FormatText(DateTime now, char severity, string message, (string Key, object? Value)[] fields)
    {
        var text = new StringBuilder();
        text.Append(severity).Append(now.ToString("MMdd HH:mm:ss.ffffff", CultureInfo.InvariantCulture))
            .Append(CultureInfo.InvariantCulture, $" {Environment.ProcessId,7} kmsnative] ");
        AppendGoQuoted(text, message);
        foreach ((string key, object? value) in fields)
        {
            text.Append(' ').Append(key).Append('=');
            switch (value)
            {
                case bool or int or long or uint or ulong or short or ushort or byte or double or float or decimal:
                    text.Append(Convert.ToString(value, CultureInfo.InvariantCulture)?.ToLowerInvariant());
                    break;
                default:
                    AppendGoQuoted(text, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Go's strconv.Quote: \a \b \f \n \r \t \v \\ \" escaped, other control characters as \xNN or \uNNNN,
    /// printable Unicode as is. So a quote in a value reads \" in the log, never \u0022.
    /// </summary>
    internal static void AppendGoQuoted(StringBuilder text, string value)
    {
        text.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\a': text.Append("\\a"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\v': text.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7F)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        text.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        text.Append("\\ufffd"); // a lone surrogate: Go writes invalid UTF-8 as an escape too
                    }
                    else if (char.IsControl(c) || c is '\u2028' or '\u2029' || char.GetUnicodeCategory(c) == UnicodeCategory.Format)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }

    internal static string FormatJson(DateTime now, string level, string message, (string Key, object? Value)[] fields)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", now.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
            json.WriteString("level", level);
            json.WriteString("message", message);
            foreach ((string key, object? value) in fields)
            {
                switch (value)
                {
                    case bool flag:
                        json.WriteBoolean(key, flag);
                        break;
                    case int or long or double:
                        json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                        break;
                    default:
                        json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                        break;
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
