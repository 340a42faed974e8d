using System.Text.Json.Serialization;

namespace KmsNative.KeyVault.Client;

// The Key Vault REST payloads we send and read (keys API, api-version 7.5). Names are the service's, so no naming policy.

internal sealed record KeyOperationRequest(
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("value")] string Value);

internal sealed record KeyOperationResponse(
    [property: JsonPropertyName("kid")] string? KeyId,
    [property: JsonPropertyName("value")] string? Value);

internal sealed record KeyBundle(
    [property: JsonPropertyName("key")] JsonWebKey? Key,
    [property: JsonPropertyName("attributes")] KeyAttributes? Attributes);

internal sealed record JsonWebKey(
    [property: JsonPropertyName("kid")] string? KeyId,
    [property: JsonPropertyName("kty")] string? KeyType,
    [property: JsonPropertyName("key_ops")] IReadOnlyList<string>? KeyOperations,
    [property: JsonPropertyName("n")] string? Modulus,
    [property: JsonPropertyName("e")] string? Exponent);

internal sealed record KeyAttributes(
    [property: JsonPropertyName("enabled")] bool? Enabled,
    [property: JsonPropertyName("nbf")] long? NotBefore,
    [property: JsonPropertyName("exp")] long? Expires,
    [property: JsonPropertyName("created")] long? Created,
    [property: JsonPropertyName("updated")] long? Updated);

internal sealed record KeyListResult(
    [property: JsonPropertyName("value")] IReadOnlyList<KeyItem>? Value,
    [property: JsonPropertyName("nextLink")] string? NextLink);

internal sealed record KeyItem(
    [property: JsonPropertyName("kid")] string? KeyId,
    [property: JsonPropertyName("attributes")] KeyAttributes? Attributes);

internal sealed record KeyVaultErrorResponse([property: JsonPropertyName("error")] KeyVaultError? Error);

internal sealed record KeyVaultError(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("innererror")] KeyVaultError? InnerError);

[JsonSerializable(typeof(KeyOperationRequest))]
[JsonSerializable(typeof(KeyOperationResponse))]
[JsonSerializable(typeof(KeyBundle))]
[JsonSerializable(typeof(KeyListResult))]
[JsonSerializable(typeof(KeyVaultErrorResponse))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class KeyVaultJsonContext : JsonSerializerContext;
