using System.Globalization;
using KmsNative.KeyVaultEmulator.Http;

namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>
/// An OAuth 2.0 error (RFC 6749 §5.2) in Entra ID's shape:
/// <c>{"error":"invalid_client","error_description":"AADSTS7000215: …","error_codes":[7000215],"timestamp":…,"trace_id":…,"correlation_id":…}</c>.
/// </summary>
internal sealed record AadError(int Status, string Error, int Code, string Description)
{
    public static AadError InvalidRequest(int code, string description) => new(400, "invalid_request", code, description);

    public static AadError InvalidClient(int code, string description) => new(401, "invalid_client", code, description);

    public static AadError UnauthorizedClient(string clientId, string tenantId) => new(400, "unauthorized_client", 700016,
        $"Application with identifier '{clientId}' was not found in the directory '{tenantId}'.");

    public Task WriteAsync(HttpContext context)
    {
        string traceId = Guid.NewGuid().ToString();
        return JsonResponse.WriteAsync(context, Status, w =>
        {
            w.WriteStartObject();
            w.WriteString("error", Error);
            w.WriteString("error_description", $"AADSTS{Code}: {Description} Trace ID: {traceId} Timestamp: {DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture)}");
            w.WriteStartArray("error_codes");
            w.WriteNumberValue(Code);
            w.WriteEndArray();
            w.WriteString("timestamp", DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture));
            w.WriteString("trace_id", traceId);
            w.WriteString("correlation_id", Guid.NewGuid().ToString());
            w.WriteEndObject();
        });
    }
}
