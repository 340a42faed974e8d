using System.Text;
using System.Text.Json;

namespace KmsNative.KeyVault.Configuration;

/// <summary>
/// Reads azure.json as the Go plugin does: it decodes the file with yaml.v3 into tagged fields (contract 1.b.1), and
/// the JSON subset of that behaviour is reproduced here on a <see cref="Utf8JsonReader"/>, without reflection.
/// </summary>
/// <remarks>
/// What yaml.v3 does, and so what this does:
/// keys are case-sensitive and unknown keys are ignored; a UTF-8 BOM is skipped; an empty file or <c>null</c> gives
/// the zero configuration; a field set to <c>null</c> keeps its zero value; a boolean field takes only <c>true</c> or
/// <c>false</c> (the string <c>"true"</c> and the number <c>1</c> are errors); a string field also takes a number or a
/// boolean, as its literal text; a key given twice at the top level is an error, even an unknown key.
/// A file that is not JSON is read as YAML (<see cref="AzureConfigYaml"/>) with the same rules, as yaml.v3 reads both.
/// Error messages name the file and the field, and never contain a field's value or the bytes around a syntax error,
/// because the field may be a secret.
/// </remarks>
internal static class AzureConfigParser
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Reads and parses the file at <paramref name="path"/>.</summary>
    /// <exception cref="ConfigurationException">The file cannot be read or is not a valid azure.json.</exception>
    public static AzureConfig Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ConfigurationException($"{path}: cannot read the azure.json file: it is a directory (set --config-file-path to the file)");
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigurationException($"{path}: cannot read the azure.json file: it does not exist (set --config-file-path)", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ConfigurationException($"{path}: cannot read the azure.json file: permission denied", ex);
        }
        catch (IOException ex)
        {
            throw new ConfigurationException($"{path}: cannot read the azure.json file: {ex.Message}", ex);
        }

        try
        {
            return Parse(content, path);
        }
        finally
        {
            // The file may hold aadClientSecret and aadClientCertPassword.
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(content);
        }
    }

    /// <summary>Parses azure.json content. <paramref name="path"/> is used only in error messages.</summary>
    /// <exception cref="ConfigurationException">The content is not a valid azure.json.</exception>
    public static AzureConfig Parse(ReadOnlySpan<byte> content, string path)
    {
        if (content.StartsWith(Utf8Bom))
        {
            content = content[Utf8Bom.Length..];
        }

        var config = new AzureConfig { SourcePath = path };
        if (IsBlank(content))
        {
            return config;
        }

        var reader = new Utf8JsonReader(content, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        string? currentKey = null;
        try
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                ReadToEnd(ref reader);
                return config;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ConfigurationException($"{path}: azure.json must be a JSON object, not {Describe(reader.TokenType)}");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                currentKey = reader.GetString()!;
                if (!seen.Add(currentKey))
                {
                    throw new ConfigurationException($"{path}: key \"{currentKey}\" is given more than once");
                }

                reader.Read();
                config = currentKey switch
                {
                    "cloud" => config with { Cloud = ReadString(ref reader, path, currentKey) ?? config.Cloud },
                    "tenantId" => config with { TenantId = ReadString(ref reader, path, currentKey) ?? config.TenantId },
                    "aadClientId" => config with { ClientId = ReadString(ref reader, path, currentKey) ?? config.ClientId },
                    "aadClientSecret" => config with { ClientSecret = ReadString(ref reader, path, currentKey) ?? config.ClientSecret },
                    "useManagedIdentityExtension" => config with { UseManagedIdentityExtension = ReadBool(ref reader, path, currentKey) ?? config.UseManagedIdentityExtension },
                    "userAssignedIdentityID" => config with { UserAssignedIdentityId = ReadString(ref reader, path, currentKey) ?? config.UserAssignedIdentityId },
                    "aadClientCertPath" => config with { ClientCertPath = ReadString(ref reader, path, currentKey) ?? config.ClientCertPath },
                    "aadClientCertPassword" => config with { ClientCertPassword = ReadString(ref reader, path, currentKey) ?? config.ClientCertPassword },
                    "aadFederatedTokenFile" => config with { AadFederatedTokenFile = ReadString(ref reader, path, currentKey) ?? config.AadFederatedTokenFile },
                    "useFederatedWorkloadIdentityExtension" => config with { UseFederatedWorkloadIdentityExtension = ReadBool(ref reader, path, currentKey) ?? config.UseFederatedWorkloadIdentityExtension },
                    _ => Skip(ref reader, config),
                };
            }

            ReadToEnd(ref reader);
            return config;
        }
        catch (JsonException ex)
        {
            // Not JSON: the Go plugin reads the file as YAML (yaml.v3), so YAML is what it may be. When it is not YAML
            // either, both positions are given, since the author may have meant either.
            try
            {
                return ParseYaml(content, path);
            }
            catch (ConfigurationException yaml) when (yaml.Message.Contains("not valid YAML", StringComparison.Ordinal))
            {
                // Not ex.Message: it quotes the offending character, which may be part of a secret.
                string after = currentKey is null ? "" : $" (after key \"{currentKey}\")";
                throw new ConfigurationException(
                    $"{path}: not valid JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}{after}; {yaml.Message[(path.Length + 2)..]}");
            }
        }
        catch (InvalidOperationException)
        {
            // GetString on a string that is not valid UTF-8.
            string field = currentKey is null ? "a key" : $"\"{currentKey}\"";
            throw new ConfigurationException($"{path}: {field} is not valid UTF-8");
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader, string path, string key)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                // yaml.v3 stores a scalar's literal text in a string field: 12345 → "12345".
                return Encoding.UTF8.GetString(reader.ValueSpan);
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.Null:
                return null;
            default:
                throw new ConfigurationException($"{path}: \"{key}\" must be a string, not {Describe(reader.TokenType)}");
        }
    }

    private static bool? ReadBool(ref Utf8JsonReader reader, string path, string key)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String when YamlBoolean(reader.GetString()!) is { } compatible:
                // yaml.v3 takes the YAML 1.1 words (yes, on, n, …) into a bool field, quoted or not.
                return compatible;
            case JsonTokenType.String:
                // The Go plugin fails here too: yaml.v3 "cannot unmarshal !!str `true` into bool". A boolean field is
                // never secret, so its value may be quoted.
                string text = reader.GetString()!;
                string shown = text.Length <= 16 ? $"the string \"{text}\"" : "a string";
                throw new ConfigurationException($"{path}: \"{key}\" must be true or false, not {shown}");
            case JsonTokenType.Number when reader.ValueSpan.Length <= 16:
                throw new ConfigurationException(
                    $"{path}: \"{key}\" must be true or false, not the number {Encoding.UTF8.GetString(reader.ValueSpan)}");
            default:
                throw new ConfigurationException($"{path}: \"{key}\" must be true or false, not {Describe(reader.TokenType)}");
        }
    }

    /// <summary>yaml.v3's YAML 1.1 compatibility for a bool field: these strings decode, quoted or plain.</summary>
    private static bool? YamlBoolean(string text) => text switch
    {
        "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" => true,
        "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF" => false,
        _ => null,
    };

    /// <summary>azure.json written as YAML, typed as yaml.v3 types it into the Go plugin's struct.</summary>
    private static AzureConfig ParseYaml(ReadOnlySpan<byte> content, string path)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            throw new ConfigurationException($"{path}: the file is not valid UTF-8");
        }

        var config = new AzureConfig { SourcePath = path };
        List<(string Key, AzureConfigYaml.Value Value)>? entries = AzureConfigYaml.Parse(text, path);
        if (entries is null)
        {
            return config;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((string key, AzureConfigYaml.Value value) in entries)
        {
            if (!seen.TryAdd(key, value.Line))
            {
                // yaml.v3: mapping key "cloud" already defined at line N.
                throw new ConfigurationException($"{path}: line {value.Line}: key \"{key}\" is given more than once (first at line {seen[key]})");
            }

            config = key switch
            {
                "cloud" => config with { Cloud = YamlString(value, path, key) ?? config.Cloud },
                "tenantId" => config with { TenantId = YamlString(value, path, key) ?? config.TenantId },
                "aadClientId" => config with { ClientId = YamlString(value, path, key) ?? config.ClientId },
                "aadClientSecret" => config with { ClientSecret = YamlString(value, path, key) ?? config.ClientSecret },
                "useManagedIdentityExtension" => config with { UseManagedIdentityExtension = YamlBool(value, path, key) ?? config.UseManagedIdentityExtension },
                "userAssignedIdentityID" => config with { UserAssignedIdentityId = YamlString(value, path, key) ?? config.UserAssignedIdentityId },
                "aadClientCertPath" => config with { ClientCertPath = YamlString(value, path, key) ?? config.ClientCertPath },
                "aadClientCertPassword" => config with { ClientCertPassword = YamlString(value, path, key) ?? config.ClientCertPassword },
                "aadFederatedTokenFile" => config with { AadFederatedTokenFile = YamlString(value, path, key) ?? config.AadFederatedTokenFile },
                "useFederatedWorkloadIdentityExtension" => config with { UseFederatedWorkloadIdentityExtension = YamlBool(value, path, key) ?? config.UseFederatedWorkloadIdentityExtension },
                _ => config,
            };
        }

        return config;
    }

    private static bool IsYamlNull(AzureConfigYaml.Value value) => value.Plain && value.Text is "" or "~" or "null" or "Null" or "NULL";

    private static string? YamlString(AzureConfigYaml.Value value, string path, string key)
    {
        if (value.Container is { } container)
        {
            throw new ConfigurationException($"{path}: line {value.Line}: \"{key}\" must be a string, not {container}");
        }

        // yaml.v3 stores any scalar's text in a string field (12345 → "12345", yes → "yes"); null keeps the zero value.
        return IsYamlNull(value) ? null : value.Text;
    }

    private static bool? YamlBool(AzureConfigYaml.Value value, string path, string key)
    {
        if (value.Container is { } container)
        {
            throw new ConfigurationException($"{path}: line {value.Line}: \"{key}\" must be true or false, not {container}");
        }

        if (IsYamlNull(value))
        {
            return null;
        }

        if (value.Plain && value.Text is "true" or "True" or "TRUE")
        {
            return true;
        }

        if (value.Plain && value.Text is "false" or "False" or "FALSE")
        {
            return false;
        }

        if (YamlBoolean(value.Text!) is { } compatible)
        {
            return compatible;
        }

        // A boolean field is never secret, so a short value may be quoted. "true" in quotes lands here, as in yaml.v3.
        string shown = value.Text!.Length <= 16 ? $" \"{value.Text}\"" : "";
        string kind = value.Plain ? "the value" : "the string";
        throw new ConfigurationException($"{path}: line {value.Line}: \"{key}\" must be true or false, not {kind}{shown}");
    }

    private static AzureConfig Skip(ref Utf8JsonReader reader, AzureConfig config)
    {
        reader.Skip();
        return config;
    }

    private static void ReadToEnd(ref Utf8JsonReader reader)
    {
        // Anything after the top-level value makes the reader throw, as trailing text fails yaml.v3.
        while (reader.Read())
        {
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> content)
    {
        foreach (byte b in content)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };
}
