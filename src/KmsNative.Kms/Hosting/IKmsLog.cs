namespace KmsNative.Kms.Hosting;

/// <summary>
/// Where the layers below the executable log: the backend's health changes, a failed handler, a connection that
/// ended on a protocol error. The executable writes klog text or JSON to stderr; tests record or discard. Fields are
/// written as given, so callers never pass key material, plaintext, ciphertext or tokens.
/// </summary>
internal interface IKmsLog
{
    bool IsEnabled(LogLevel level);

    void Write(LogLevel level, string message, params (string Key, object? Value)[] fields);
}

/// <summary>The Go plugin's levels: errors and warnings always, <see cref="Info"/> at -v 0, more at -v 2 and 4.</summary>
internal enum LogLevel
{
    Error,
    Warning,

    /// <summary>Start-up, shutdown and changes of health: shown at every verbosity, as klog's V(0).</summary>
    Info,

    /// <summary>klog V(2): per-connection and per-request detail.</summary>
    Verbose,

    /// <summary>klog V(4).</summary>
    Debug,
}

/// <summary>Discards everything: for tests and benchmarks that do not look at the log.</summary>
internal sealed class NullKmsLog : IKmsLog
{
    public static readonly NullKmsLog Instance = new();

    public bool IsEnabled(LogLevel level) => false;

    public void Write(LogLevel level, string message, params (string Key, object? Value)[] fields)
    {
    }
}
