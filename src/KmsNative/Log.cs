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

    // klog: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg, with structured key="value" pairs.
    private static string FormatText(DateTime now, char severity, string message, (string Key, object? Value)[] fields)
    {
        var text = new StringBuilder();
        text.Append(severity).Append(now.ToString("MMdd HH:mm:ss.ffffff", CultureInfo.InvariantCulture))
            .Append(CultureInfo.InvariantCulture, $" {Environment.ProcessId,7} kmsnative] ")
            .Append(JsonSerializer.Serialize(message, LogJsonContext.Default.String));
        foreach ((string key, object? value) in fields)
        {
            text.Append(' ').Append(key).Append('=').Append(JsonSerializer.Serialize(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", LogJsonContext.Default.String));
        }

        return text.ToString();
    }

    private static string FormatJson(DateTime now, string level, string message, (string Key, object? Value)[] fields)
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
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class LogJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
