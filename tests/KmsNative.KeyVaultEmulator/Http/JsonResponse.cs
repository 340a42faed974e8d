using System.Text.Encodings.Web;
using System.Text.Json;

namespace KmsNative.KeyVaultEmulator.Http;

/// <summary>Writes JSON bodies with <see cref="Utf8JsonWriter"/>, so field names are exactly the service's.</summary>
internal static class JsonResponse
{
    // Key Vault writes "Recoverable+Purgeable" with a literal '+'; the default encoder would write \u002B.
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            body(writer);
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>Reads the body as a JSON object; null when it is empty or not a JSON object.</summary>
    public static async Task<JsonElement?> ReadObjectAsync(HttpContext context)
    {
        try
        {
            using JsonDocument document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? GetStringOrNull(this JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
