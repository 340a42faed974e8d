using KmsNative.KeyVaultEmulator.Http;

namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>
/// The Azure Instance Metadata Service token endpoint for managed identities:
/// <c>GET /metadata/identity/oauth2/token?api-version=2018-02-01&amp;resource=…[&amp;client_id=…|object_id=…|msi_res_id=…]</c>
/// with header <c>Metadata: true</c>. Served on the HTTPS port and, with --imds-port, over plain HTTP like the real 169.254.169.254.
/// </summary>
internal static class ImdsEndpoint
{
    public const string Path = "/metadata/identity/oauth2/token";

    public static void Map(IEndpointRouteBuilder app, EmulatorContext emulator) =>
        app.MapGet(Path, (HttpContext c) => HandleAsync(c, emulator));

    private static async Task HandleAsync(HttpContext context, EmulatorContext emulator)
    {
        IQueryCollection query = context.Request.Query;
        if (!string.Equals(context.Request.Headers["Metadata"], "true", StringComparison.OrdinalIgnoreCase))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Required metadata header not specified");
            return;
        }
        if (string.IsNullOrEmpty(query["api-version"]))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Required query variable 'api-version' is missing");
            return;
        }
        string? resource = query["resource"];
        if (string.IsNullOrEmpty(resource))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Required audience parameter not specified");
            return;
        }
        if (!emulator.Config.VaultResources.Any(r => TokenEndpoints.SameResource(r, resource)))
        {
            await WriteErrorAsync(context, 400, "invalid_resource", $"AADSTS500011: The resource principal named {resource} was not found in the tenant.");
            return;
        }

        ManagedIdentityConfig identities = emulator.Config.ManagedIdentities;
        string? clientId = query["client_id"];
        string? objectId = query["object_id"];
        string? resourceId = query["msi_res_id"];
        if (string.IsNullOrEmpty(resourceId))
        {
            resourceId = query["mi_res_id"];
        }
        IdentityConfig? identity =
            !string.IsNullOrEmpty(clientId) ? identities.UserAssigned.Find(i => Same(i.ClientId, clientId)) :
            !string.IsNullOrEmpty(objectId) ? identities.UserAssigned.Find(i => Same(i.ObjectId, objectId)) :
            !string.IsNullOrEmpty(resourceId) ? identities.UserAssigned.Find(i => Same(i.ResourceId, resourceId)) :
            identities.SystemAssigned;
        if (identity is null)
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Identity not found");
            return;
        }

        IssuedToken token = emulator.Tokens.Issue($"https://sts.windows.net/{identities.TenantId}/", resource.TrimEnd('/'),
            identities.TenantId, identity.ClientId, identity.ObjectId ?? identity.ClientId);
        long expiresIn = (long)(token.ExpiresOn - emulator.Tokens.Now).TotalSeconds;
        await JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", token.AccessToken);
            w.WriteString("client_id", identity.ClientId);
            TokenEndpoints.WriteV1Times(w, expiresIn, token);
            w.WriteString("resource", resource);
            w.WriteString("token_type", "Bearer");
            w.WriteEndObject();
        });
    }

    private static bool Same(string? a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static Task WriteErrorAsync(HttpContext context, int status, string error, string description) =>
        JsonResponse.WriteAsync(context, status, w =>
        {
            w.WriteStartObject();
            w.WriteString("error", error);
            w.WriteString("error_description", description);
            w.WriteEndObject();
        });
}
