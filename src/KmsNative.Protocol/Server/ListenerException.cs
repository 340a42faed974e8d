namespace KmsNative.Protocol.Server;

/// <summary>The listening socket cannot be set up. The message is meant for the operator, as is.</summary>
internal sealed class ListenerException : Exception
{
    public ListenerException(string message) : base(message)
    {
    }

    public ListenerException()
    {
    }

    public ListenerException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
