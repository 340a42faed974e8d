using KmsNative.Kms.Hosting;

namespace KmsNative;

/// <summary>The <see cref="IKmsLog"/> the executable hands to the layers below it: <see cref="Log"/>'s stderr lines.</summary>
internal sealed class ConsoleLog : IKmsLog
{
    public static readonly ConsoleLog Instance = new();

    public bool IsEnabled(LogLevel level) => Log.IsEnabled(level);

    public void Write(LogLevel level, string message, params (string Key, object? Value)[] fields)
    {
        switch (level)
        {
            case LogLevel.Error:
                Log.Error(message, fields);
                break;
            case LogLevel.Warning:
                Log.Warning(message, fields);
                break;
            case LogLevel.Info:
                Log.Always(message, fields);
                break;
            case LogLevel.Verbose:
                Log.Info(message, fields);
                break;
            default:
                Log.Debug(message, fields);
                break;
        }
    }
}
