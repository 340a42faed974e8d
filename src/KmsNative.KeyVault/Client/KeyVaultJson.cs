using System.Text.Json.Serialization;

namespace KmsNative.KeyVault.Client;

// The Key Vault REST payloads we send and read (keys API, api-version 7.5). Names are the service's, so no naming policy.

internal sealed class KeyOperationRequest
{
    [JsonPropertyName("alg")] public required string Algorithm { get; init; }
    [JsonPropertyName("value")] public required string Value { get; init; }
}

internal sealed class KeyOperationResponse
{
    [JsonPropertyName("kid")] public string? KeyId { get; init; }
    [JsonPropertyName("value")] public string? Value { get; init; }
}

internal sealed class KeyBundle
{
    [JsonPropertyName("key")] public JsonWebKey? Key { get; init; }
    [JsonPropertyName("attributes")] public KeyAttributes? Attributes { get; init; }
}

internal sealed class JsonWebKey
{
    [JsonPropertyName("kid")] public string? KeyId { get; init; }
    [JsonPropertyName("kty")] public string? KeyType { get; init; }
    [JsonPropertyName("key_ops")] public IReadOnlyList<string>? KeyOperations { get; init; }
    [JsonPropertyName("n")] public string? Modulus { get; init; }
    [JsonPropertyName("e")] public string? Exponent { get; init; }
}

internal sealed class KeyAttributes
{
    [JsonPropertyName("enabled")] public bool? Enabled { get; init; }
    [JsonPropertyName("nbf")] public long? NotBefore { get; init; }
    [JsonPropertyName("exp")] public long? Expires { get; init; }
    [JsonPropertyName("created")] public long? Created { get; init; }
    [JsonPropertyName("updated")] public long? Updated { get; init; }
}

internal sealed class KeyListResult
{
    [JsonPropertyName("value")] public IReadOnlyList<KeyItem>? Value { get; init; }
    [JsonPropertyName("nextLink")] public string? NextLink { get; init; }
}

internal sealed class KeyItem
{
    [JsonPropertyName("kid")] public string? KeyId { get; init; }
    [JsonPropertyName("attributes")] public KeyAttributes? Attributes { get; init; }
}

internal sealed class KeyVaultErrorResponse
{
    [JsonPropertyName("error")] public KeyVaultError? Error { get; init; }
}

internal sealed class KeyVaultError
{
    [JsonPropertyName("code")] public string? Code { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
    [JsonPropertyName("innererror")] public KeyVaultError? InnerError { get; init; }
}

[JsonSerializable(typeof(KeyOperationRequest))]
[JsonSerializable(typeof(KeyOperationResponse))]
[JsonSerializable(typeof(KeyBundle))]
[JsonSerializable(typeof(KeyListResult))]
[JsonSerializable(typeof(KeyVaultErrorResponse))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class KeyVaultJsonContext : JsonSerializerContext;
