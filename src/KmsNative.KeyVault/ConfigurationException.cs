namespace KmsNative.KeyVault;

/// <summary>
/// The plugin cannot be configured as asked: a bad or missing azure.json, an unknown cloud, no usable credential.
/// The message names the file and field and is printed to the operator as is; it never contains a secret.
/// </summary>
internal sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message) : base(message)
    {
    }

    public ConfigurationException()
    {
    }

    public ConfigurationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
