namespace KmsNative.KeyVault.Configuration;

/// <summary>
/// The YAML that azure.json may be written in, since the Go plugin reads it with yaml.v3: a top-level block mapping
/// (<c>key: value</c> lines, <c># comments</c>, an optional <c>---</c>) or flow mapping (<c>{key: value, …}</c>, what
/// JSON with single quotes, unquoted words or a trailing comma is), with plain, single- and double-quoted scalars.
/// Values of keys we do not use may be anything nested (skipped by indentation or bracket depth). Anchors, aliases,
/// tags and block scalars (<c>|</c>, <c>&gt;</c>) are rejected: no azure.json needs them.
/// </summary>
/// <remarks>
/// Produces the top-level entries only; <see cref="AzureConfigParser"/> applies yaml.v3's typing rules to them.
/// Errors name the file and the line and never quote the text, which may be a secret.
/// </remarks>
internal static class AzureConfigYaml
{
    /// <summary>A top-level value: a scalar (<see cref="Text"/>, <see cref="Plain"/> when unquoted), or a container.</summary>
    internal readonly record struct Value(string? Text, bool Plain, string? Container, int Line);

    /// <summary>Parses <paramref name="text"/>; null when the document is empty or null.</summary>
    /// <exception cref="ConfigurationException">Not a YAML mapping this parser reads; the message has the line.</exception>
    public static List<(string Key, Value Value)>? Parse(string text, string path)
    {
        var reader = new AzureYamlReader(text, path);
        reader.SkipBlankLinesAndComments();
        if (reader.AtLineStart("---"))
        {
            reader.Advance(3);
            reader.SkipInlineSpace();
            if (!reader.AtEndOfLine())
            {
                throw reader.Error("content after '---' on the same line");
            }

            reader.SkipBlankLinesAndComments();
        }

        if (reader.AtEnd || reader.AtLineStart("..."))
        {
            return null;
        }

        List<(string, Value)>? entries;
        if (reader.Peek == '{')
        {
            entries = reader.ReadFlowMapping();
        }
        else if (reader.Peek == '[' || reader.AtSequenceEntry())
        {
            throw reader.Error("azure.json must be a mapping of keys to values, not a list");
        }
        else if (!reader.LooksLikeKey())
        {
            Value scalar = reader.ReadScalar(flow: false);
            if (scalar.Plain && scalar.Text is "" or "~" or "null" or "Null" or "NULL")
            {
                entries = null;
            }
            else
            {
                throw reader.Error("azure.json must be a mapping of keys to values, not a single value");
            }
        }
        else
        {
            entries = reader.ReadBlockMapping();
        }

        reader.SkipBlankLinesAndComments();
        if (reader.AtLineStart("---") || reader.AtLineStart("..."))
        {
            // yaml.v3's Unmarshal decodes the first document only.
            return entries;
        }

        if (!reader.AtEnd)
        {
            throw reader.Error("unexpected content after the mapping");
        }

        return entries;
    }
}
