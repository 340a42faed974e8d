using System.Text;
using KmsNative.KeyVault;
using KmsNative.KeyVault.Configuration;

namespace KmsNative.Fuzz.Targets;

/// <summary>
/// azure.json: the whole parser from bytes (BOM, JSON, the YAML fallback, yaml.v3's typing rules), and the YAML reader
/// alone from text. Expected: <see cref="ConfigurationException"/>, whose message must never quote the file.
/// </summary>
internal static class AzureConfigTarget
{
    private const string Path = "/etc/kubernetes/azure.json";

    public static void RunJson(ReadOnlySpan<byte> input)
    {
        try
        {
            AzureConfig config = AzureConfigParser.Parse(input, Path);
            Invariant.Check(config.SourcePath == Path, "source path lost");
        }
        catch (ConfigurationException ex)
        {
            CheckMessage(ex);
        }
    }

    public static void RunYaml(ReadOnlySpan<byte> input)
    {
        // The parser's own entry decodes strictly; a lenient decode here lets the YAML reader see any text at all.
        string text = Encoding.UTF8.GetString(input);
        try
        {
            AzureConfigYaml.Parse(text, Path);
        }
        catch (ConfigurationException ex)
        {
            CheckMessage(ex);
        }
    }

    private static void CheckMessage(ConfigurationException ex) =>
        Invariant.Check(ex.Message.StartsWith(Path, StringComparison.Ordinal), "error message does not name the file");
}
