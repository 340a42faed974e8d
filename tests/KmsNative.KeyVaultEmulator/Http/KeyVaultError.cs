using System.Text.Json;

namespace KmsNative.KeyVaultEmulator.Http;

/// <summary>Key Vault's error body: <c>{"error":{"code":"…","message":"…","innererror":{"code":"…"}}}</c>.</summary>
internal static class KeyVaultError
{
    public static Task WriteAsync(HttpContext context, int status, string code, string message, string? innerCode = null) =>
        JsonResponse.WriteAsync(context, status, w => Write(w, code, message, innerCode));

    public static void Write(Utf8JsonWriter w, string code, string message, string? innerCode)
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        if (innerCode is not null)
        {
            w.WriteStartObject("innererror");
            w.WriteString("code", innerCode);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static Task BadParameter(HttpContext context, string message) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, "BadParameter", message);

    public static Task KeyNotFound(HttpContext context, string name, string? version) =>
        WriteAsync(context, StatusCodes.Status404NotFound, "KeyNotFound",
            version is null
                ? $"A key with (name/id) {name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command."
                : $"A key with (name/id) {name}/{version} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command.");
}
