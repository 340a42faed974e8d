using System.Globalization;
using System.Text.Json;
using KmsNative.KeyVaultEmulator.Http;

namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>
/// Entra ID token endpoints for the client_credentials grant (RFC 6749 §4.4):
/// v1 <c>POST /{tenant}/oauth2/token</c> (form field <c>resource</c>, used by adal and the Go plugin) and
/// v2 <c>POST /{tenant}/oauth2/v2.0/token</c> (form field <c>scope</c> = resource + "/.default", used by MSAL).
/// </summary>
internal static class TokenEndpoints
{
    public static void Map(IEndpointRouteBuilder app, EmulatorContext emulator)
    {
        app.MapPost("/{tenant}/oauth2/token", (HttpContext c, string tenant) => HandleAsync(c, emulator, tenant, v2: false));
        app.MapPost("/{tenant}/oauth2/v2.0/token", (HttpContext c, string tenant) => HandleAsync(c, emulator, tenant, v2: true));
    }

    private static async Task HandleAsync(HttpContext context, EmulatorContext emulator, string tenantId, bool v2)
    {
        if (!context.Request.HasFormContentType)
        {
            await AadError.InvalidRequest(900144, "The request body must contain the following parameter: 'grant_type'.").WriteAsync(context);
            return;
        }
        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
        TenantConfig? tenant = emulator.Clients.FindTenant(tenantId);
        if (tenant is null)
        {
            await AadError.InvalidRequest(90002, $"Tenant '{tenantId}' not found.").WriteAsync(context);
            return;
        }
        if (form["grant_type"] != "client_credentials")
        {
            await new AadError(400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{form["grant_type"]}'.").WriteAsync(context);
            return;
        }

        string? resource = v2 ? ResourceFromScope(form["scope"]) : form["resource"].ToString();
        if (string.IsNullOrEmpty(resource))
        {
            await (v2
                ? new AadError(400, "invalid_scope", 1002012, $"The provided value for scope '{form["scope"]}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
                : AadError.InvalidRequest(900144, "The request body must contain the following parameter: 'resource'.")).WriteAsync(context);
            return;
        }
        if (!emulator.Config.VaultResources.Any(r => SameResource(r, resource)))
        {
            await new AadError(400, "invalid_resource", 500011, $"The resource principal named {resource} was not found in the tenant named {tenant.Id}.").WriteAsync(context);
            return;
        }

        (ClientConfig? client, AadError? error) = emulator.Clients.Authenticate(tenant, form);
        if (error is not null)
        {
            await error.WriteAsync(context);
            return;
        }

        string issuer = v2 ? $"{EmulatorContext.BaseUrl(context.Request)}/{tenant.Id}/v2.0" : $"https://sts.windows.net/{tenant.Id}/";
        IssuedToken token = emulator.Tokens.Issue(issuer, resource.TrimEnd('/'), tenant.Id, client!.ClientId,
            client.ObjectId ?? client.ClientId, version: v2 ? "2.0" : "1.0");
        long expiresIn = (long)(token.ExpiresOn - emulator.Tokens.Now).TotalSeconds;
        await JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("token_type", "Bearer");
            if (v2)
            {
                // v2 writes numbers; v1 writes every number as a string (adal parses both).
                w.WriteNumber("expires_in", expiresIn);
                w.WriteNumber("ext_expires_in", expiresIn);
            }
            else
            {
                WriteV1Times(w, expiresIn, token);
                w.WriteString("resource", resource);
            }
            w.WriteString("access_token", token.AccessToken);
            w.WriteEndObject();
        });
    }

    public static void WriteV1Times(Utf8JsonWriter w, long expiresIn, IssuedToken token)
    {
        w.WriteString("expires_in", expiresIn.ToString(CultureInfo.InvariantCulture));
        w.WriteString("ext_expires_in", expiresIn.ToString(CultureInfo.InvariantCulture));
        w.WriteString("expires_on", token.ExpiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        w.WriteString("not_before", token.NotBefore.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
    }

    public static bool SameResource(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    private static string? ResourceFromScope(string? scope)
    {
        // Client credentials take exactly one "<resource>/.default" scope.
        const string Suffix = "/.default";
        if (scope is null)
        {
            return null;
        }
        string[] scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s is not ("openid" or "profile" or "offline_access")).ToArray();
        return scopes.Length == 1 && scopes[0].EndsWith(Suffix, StringComparison.OrdinalIgnoreCase)
            ? scopes[0][..^Suffix.Length]
            : null;
    }
}
