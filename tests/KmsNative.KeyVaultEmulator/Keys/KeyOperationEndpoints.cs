using System.Security.Cryptography;
using System.Text.Json;
using KmsNative.KeyVaultEmulator.Crypto;
using KmsNative.KeyVaultEmulator.Http;

namespace KmsNative.KeyVaultEmulator.Keys;

/// <summary>
/// <c>POST /keys/{name}/{version}/encrypt|decrypt|wrapkey|unwrapkey</c> with body <c>{"alg":"…","value":"&lt;base64url&gt;"}</c>,
/// answered with <c>{"kid":"…","value":"&lt;base64url&gt;"}</c>. An empty version (<c>/keys/{name}//encrypt</c>, as track-1
/// SDKs send when no version is set) means the latest one.
/// </summary>
internal static class KeyOperationEndpoints
{
    public static void Map(IEndpointRouteBuilder app, EmulatorContext emulator)
    {
        app.MapPost("/keys/{name}/{version}/{operation}",
            (HttpContext c, string name, string version, string operation) => HandleAsync(c, emulator, name, version, operation));
        app.MapPost("/keys/{name}/{operation}",
            (HttpContext c, string name, string operation) => HandleAsync(c, emulator, name, null, operation));
    }

    private static async Task HandleAsync(HttpContext context, EmulatorContext emulator, string name, string? version, string operation)
    {
        operation = operation.ToLowerInvariant();
        bool encrypting = operation is "encrypt" or "wrapkey";
        if (!encrypting && operation is not ("decrypt" or "unwrapkey"))
        {
            await KeyVaultError.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "MethodNotAllowed",
                $"The operation '{operation}' is not supported by the emulator.");
            return;
        }
        if (KeyEndpoints.Find(emulator, name, version) is not (KeyEntry entry, KeyVersion key))
        {
            await KeyVaultError.KeyNotFound(context, name, version);
            return;
        }
        if (await JsonResponse.ReadObjectAsync(context) is not { } body)
        {
            await KeyVaultError.BadParameter(context, "The request body is not a valid JSON object.");
            return;
        }
        string? alg = body.GetStringOrNull("alg");
        if (!KeyAlgorithm.TryGetPadding(alg, out RSAEncryptionPadding padding))
        {
            await KeyVaultError.BadParameter(context, alg is null ? "Property 'alg' is required." : $"Invalid algorithm: '{alg}'.");
            return;
        }
        if (!body.TryGetProperty("value", out JsonElement valueElement) || valueElement.ValueKind != JsonValueKind.String ||
            !Base64Url.TryDecode(valueElement.GetString(), out byte[] input))
        {
            await KeyVaultError.BadParameter(context, "Property 'value' must be a base64url encoded string.");
            return;
        }

        if (Refuse(entry, key, operation, encrypting, DateTimeOffset.UtcNow) is { } refusal)
        {
            await KeyVaultError.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", refusal.Message, refusal.InnerCode);
            return;
        }

        int modulusBytes = key.Rsa.KeySize / 8;
        byte[] output;
        if (encrypting)
        {
            if (input.Length > KeyAlgorithm.MaxPlaintextLength(padding, modulusBytes))
            {
                await KeyVaultError.BadParameter(context, $"The plaintext is too long for {alg} with a {key.Rsa.KeySize}-bit key.");
                return;
            }
            output = key.Rsa.Encrypt(input, padding);
        }
        else
        {
            if (input.Length != modulusBytes)
            {
                await KeyVaultError.BadParameter(context, $"The ciphertext must be {modulusBytes} bytes for a {key.Rsa.KeySize}-bit key.");
                return;
            }
            try
            {
                output = key.Rsa.Decrypt(input, padding);
            }
            catch (CryptographicException)
            {
                await KeyVaultError.BadParameter(context, "Decryption failed: the ciphertext does not match the key or algorithm.");
                return;
            }
        }

        string kid = KeyBundleWriter.Kid(EmulatorContext.BaseUrl(context.Request), entry, key);
        string value = Base64Url.Encode(output);
        CryptographicOperations.ZeroMemory(encrypting ? input : output);
        await JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("kid", kid);
            w.WriteString("value", value);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// Disabled keys refuse everything. key_ops must allow the operation. exp and nbf stop encrypt and wrapKey only:
    /// Key Vault's documentation lets data protected before expiry still be decrypted/unwrapped.
    /// </summary>
    private static (string Message, string InnerCode)? Refuse(KeyEntry entry, KeyVersion key, string operation, bool encrypting, DateTimeOffset now)
    {
        string opName = operation switch { "wrapkey" => "wrapKey", "unwrapkey" => "unwrapKey", _ => operation };
        lock (entry.Sync)
        {
            if (!key.Enabled)
            {
                return ($"Operation {opName} is not allowed on a disabled key.", "KeyDisabled");
            }
            if (!key.KeyOps.Contains(opName))
            {
                return ($"Operation {opName} is not permitted on this key.", "KeyOperationForbidden");
            }
            if (encrypting && key.Expires is { } exp && exp <= now)
            {
                return ($"Operation {opName} is not allowed on an expired key.", "KeyExpired");
            }
            if (encrypting && key.NotBefore is { } nbf && nbf > now)
            {
                return ($"Operation {opName} is not allowed on a key that is not yet valid.", "KeyNotYetValid");
            }
        }
        return null;
    }
}
