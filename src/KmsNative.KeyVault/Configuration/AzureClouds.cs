using System.Text.Json;

namespace KmsNative.KeyVault.Configuration;

/// <summary>The cloud environments the Go plugin accepts (autorest's <c>EnvironmentFromName</c>, contract 1.b.3).</summary>
internal static class AzureClouds
{
    /// <summary>The environment variable naming the Azure Stack environment file.</summary>
    public const string EnvironmentFilePathVariable = "AZURE_ENVIRONMENT_FILEPATH";

    /// <summary>autorest's marker for an endpoint a cloud does not have.</summary>
    public const string NotAvailable = "N/A";

    private const string AzureStackCloud = "AzureStackCloud";

    private sealed record KnownCloud(
        string Name, string ActiveDirectoryEndpoint, string KeyVaultDnsSuffix, string KeyVaultResource,
        string ManagedHsmDnsSuffix, string ManagedHsmResource);

    private static readonly KnownCloud s_public = new("AzurePublicCloud", "https://login.microsoftonline.com/",
        "vault.azure.net", "https://vault.azure.net", "managedhsm.azure.net", "https://managedhsm.azure.net");

    private static readonly KnownCloud s_usGovernment = new("AzureUSGovernmentCloud", "https://login.microsoftonline.us/",
        "vault.usgovcloudapi.net", "https://vault.usgovcloudapi.net", NotAvailable, NotAvailable);

    private static readonly KnownCloud s_china = new("AzureChinaCloud", "https://login.chinacloudapi.cn/",
        "vault.azure.cn", "https://vault.azure.cn", NotAvailable, NotAvailable);

    private static readonly KnownCloud s_german = new("AzureGermanCloud", "https://login.microsoftonline.de/",
        "vault.microsoftazure.de", "https://vault.microsoftazure.de", NotAvailable, NotAvailable);

    private static readonly Dictionary<string, KnownCloud> s_byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AzurePublicCloud"] = s_public,
        ["AzureCloud"] = s_public,
        ["AzureUSGovernmentCloud"] = s_usGovernment,
        ["AzureUSGovernment"] = s_usGovernment,
        ["AzureChinaCloud"] = s_china,
        ["AzureGermanCloud"] = s_german,
    };

    /// <summary>Every accepted name, for error messages and docs.</summary>
    public static readonly string ValidNames =
        "AzurePublicCloud, AzureCloud, AzureUSGovernmentCloud, AzureUSGovernment, AzureChinaCloud, AzureGermanCloud, AzureStackCloud";

    /// <summary>
    /// Resolves azure.json's <c>cloud</c> (case-insensitive; null or empty is AzurePublicCloud). AzureStackCloud is read
    /// from the JSON file named by <c>AZURE_ENVIRONMENT_FILEPATH</c>, looked up through
    /// <paramref name="getEnvironmentVariable"/>. <paramref name="configPath"/> is used only in error messages.
    /// </summary>
    /// <exception cref="ConfigurationException">
    /// An unknown name; a missing or bad Azure Stack file; or <paramref name="managedHsm"/> on a cloud without Managed HSM.
    /// </exception>
    public static AzureCloud Resolve(
        string? cloudName, bool managedHsm, Func<string, string?> getEnvironmentVariable, string configPath = "azure.json")
    {
        KnownCloud known;
        bool isStack = false;
        if (string.IsNullOrEmpty(cloudName))
        {
            known = s_public;
        }
        else if (string.Equals(cloudName, AzureStackCloud, StringComparison.OrdinalIgnoreCase))
        {
            known = LoadStackFile(getEnvironmentVariable(EnvironmentFilePathVariable), configPath);
            isStack = true;
        }
        else if (!s_byName.TryGetValue(cloudName, out known!))
        {
            throw new ConfigurationException(
                $"{configPath}: \"cloud\" is \"{cloudName}\", which is not a known cloud; use one of {ValidNames} (any case)");
        }

        string suffix = managedHsm ? known.ManagedHsmDnsSuffix : known.KeyVaultDnsSuffix;
        string resource = managedHsm ? known.ManagedHsmResource : known.KeyVaultResource;
        string what = managedHsm ? "Managed HSM (--managed-hsm)" : "Key Vault";
        if (IsUnavailable(suffix))
        {
            throw new ConfigurationException($"{what} DNS suffix is not available in cloud {known.Name}");
        }

        if (IsUnavailable(resource))
        {
            throw new ConfigurationException($"{what} resource identifier is not available in cloud {known.Name}");
        }

        return new AzureCloud(known.Name, new Uri(known.ActiveDirectoryEndpoint, UriKind.Absolute),
            suffix, resource.TrimEnd('/'), managedHsm, isStack);
    }

    private static bool IsUnavailable(string value) => value.Length == 0 || value == NotAvailable;

    // The file is autorest's azure.Environment read with Go's encoding/json: keys match case-insensitively, unknown keys
    // are ignored, null leaves a field unset, and the last of duplicate keys wins.
    //
    //   { "name": "AzureStackCloud", "activeDirectoryEndpoint": "https://login.example/",
    //     "keyVaultDNSSuffix": "vault.local.example", "managedHSMDNSSuffix": "N/A",
    //     "resourceIdentifiers": { "keyVault": "https://vault.local.example", "managedHSM": "N/A" } }
    private static KnownCloud LoadStackFile(string? filePath, string configPath)
    {
        if (string.IsNullOrEmpty(filePath))
        {
            throw new ConfigurationException(
                $"{configPath}: \"cloud\" is AzureStackCloud, which needs the environment variable {EnvironmentFilePathVariable} naming the Azure Stack environment file; it is not set");
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(filePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string reason = ex is FileNotFoundException or DirectoryNotFoundException ? "it does not exist"
                : ex is UnauthorizedAccessException ? "permission denied" : ex.Message;
            throw new ConfigurationException(
                $"{filePath} ({EnvironmentFilePathVariable}): cannot read the Azure Stack environment file: {reason}", ex);
        }

        string name = "", aad = "", kvSuffix = "", hsmSuffix = "", kvResource = "", hsmResource = "";
        ReadOnlySpan<byte> json = content;
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            json = json[3..];
        }

        var reader = new Utf8JsonReader(json);
        string? key = null;
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, filePath, "the file");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                key = reader.GetString()!;
                reader.Read();
                if (Is(key, "name")) { name = ReadString(ref reader, filePath, key) ?? name; }
                else if (Is(key, "activeDirectoryEndpoint")) { aad = ReadString(ref reader, filePath, key) ?? aad; }
                else if (Is(key, "keyVaultDNSSuffix")) { kvSuffix = ReadString(ref reader, filePath, key) ?? kvSuffix; }
                else if (Is(key, "managedHSMDNSSuffix")) { hsmSuffix = ReadString(ref reader, filePath, key) ?? hsmSuffix; }
                else if (Is(key, "resourceIdentifiers") && reader.TokenType != JsonTokenType.Null)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new ConfigurationException($"{filePath}: \"{key}\" must be an object");
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        string inner = reader.GetString()!;
                        reader.Read();
                        if (Is(inner, "keyVault")) { kvResource = ReadString(ref reader, filePath, $"{key}.{inner}") ?? kvResource; }
                        else if (Is(inner, "managedHSM")) { hsmResource = ReadString(ref reader, filePath, $"{key}.{inner}") ?? hsmResource; }
                        else { reader.Skip(); }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            string after = key is null ? "" : $" (after key \"{key}\")";
            throw new ConfigurationException(
                $"{filePath}: the Azure Stack environment file is not valid JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}{after}");
        }
        catch (InvalidOperationException)
        {
            throw new ConfigurationException($"{filePath}: the Azure Stack environment file is not valid UTF-8");
        }

        // Go would carry on with an empty endpoint and fail at the first token request; fail now instead.
        if (!Uri.TryCreate(aad, UriKind.Absolute, out Uri? aadUri) || aadUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ConfigurationException(
                $"{filePath}: \"activeDirectoryEndpoint\" must be an absolute https URL; it is \"{aad}\"");
        }

        if (!aad.EndsWith('/'))
        {
            aad += "/";
        }

        return new KnownCloud(name.Length == 0 ? AzureStackCloud : name, aad, kvSuffix, kvResource, hsmSuffix, hsmResource);
    }

    private static bool Is(string key, string field) => string.Equals(key, field, StringComparison.OrdinalIgnoreCase);

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string filePath, string what)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new ConfigurationException($"{filePath}: {what} must be a JSON object");
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader, string filePath, string key) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new ConfigurationException($"{filePath}: \"{key}\" must be a string"),
    };
}
