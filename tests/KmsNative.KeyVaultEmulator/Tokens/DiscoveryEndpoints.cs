using System.Security.Cryptography;
using KmsNative.KeyVaultEmulator.Crypto;
using KmsNative.KeyVaultEmulator.Http;

namespace KmsNative.KeyVaultEmulator.Tokens;

/// <summary>
/// What MSAL (Azure.Identity, msal-node) fetches before asking for a token when the authority host is not a
/// well-known cloud: instance discovery, the OpenID Connect discovery document (OpenID Connect Discovery 1.0 §4)
/// for v2 and v1, and the JWKS (RFC 7517) that verifies our tokens.
/// </summary>
internal static class DiscoveryEndpoints
{
    public static void Map(IEndpointRouteBuilder app, EmulatorContext emulator)
    {
        app.MapGet("/common/discovery/instance", (HttpContext c) => InstanceAsync(c));
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (HttpContext c, string tenant) => OpenIdAsync(c, emulator, tenant, v2: true));
        app.MapGet("/{tenant}/.well-known/openid-configuration", (HttpContext c, string tenant) => OpenIdAsync(c, emulator, tenant, v2: false));
        app.MapGet("/{tenant}/discovery/v2.0/keys", (HttpContext c) => KeysAsync(c, emulator));
        app.MapGet("/{tenant}/discovery/keys", (HttpContext c) => KeysAsync(c, emulator));
    }

    // GET /common/discovery/instance?api-version=1.1&authorization_endpoint=https://{host}/{tenant}/oauth2/v2.0/authorize
    private static Task InstanceAsync(HttpContext context)
    {
        string host = context.Request.Host.Value!;
        string baseUrl = EmulatorContext.BaseUrl(context.Request);
        return JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("tenant_discovery_endpoint", $"{baseUrl}/{{tenant}}/v2.0/.well-known/openid-configuration");
            w.WriteString("api-version", "1.1");
            w.WriteStartArray("metadata");
            w.WriteStartObject();
            w.WriteString("preferred_network", host);
            w.WriteString("preferred_cache", host);
            w.WriteStartArray("aliases");
            w.WriteStringValue(host);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static Task OpenIdAsync(HttpContext context, EmulatorContext emulator, string tenant, bool v2)
    {
        if (tenant is not ("common" or "organizations") && emulator.Clients.FindTenant(tenant) is null)
        {
            return new AadError(400, "invalid_tenant", 90002, $"Tenant '{tenant}' not found.").WriteAsync(context);
        }
        string b = EmulatorContext.BaseUrl(context.Request);
        string oauth = v2 ? "oauth2/v2.0" : "oauth2";
        return JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("token_endpoint", $"{b}/{tenant}/{oauth}/token");
            w.WriteStartArray("token_endpoint_auth_methods_supported");
            w.WriteStringValue("client_secret_post");
            w.WriteStringValue("private_key_jwt");
            w.WriteStringValue("client_secret_basic");
            w.WriteEndArray();
            w.WriteString("jwks_uri", v2 ? $"{b}/{tenant}/discovery/v2.0/keys" : $"{b}/{tenant}/discovery/keys");
            w.WriteStartArray("response_modes_supported");
            w.WriteStringValue("query");
            w.WriteStringValue("fragment");
            w.WriteStringValue("form_post");
            w.WriteEndArray();
            w.WriteStartArray("subject_types_supported");
            w.WriteStringValue("pairwise");
            w.WriteEndArray();
            w.WriteStartArray("id_token_signing_alg_values_supported");
            w.WriteStringValue("RS256");
            w.WriteEndArray();
            w.WriteStartArray("response_types_supported");
            w.WriteStringValue("code");
            w.WriteStringValue("id_token");
            w.WriteStringValue("code id_token");
            w.WriteStringValue("id_token token");
            w.WriteEndArray();
            w.WriteStartArray("scopes_supported");
            w.WriteStringValue("openid");
            w.WriteStringValue("profile");
            w.WriteStringValue("email");
            w.WriteStringValue("offline_access");
            w.WriteEndArray();
            w.WriteString("issuer", v2 ? $"{b}/{tenant}/v2.0" : $"https://sts.windows.net/{tenant}/");
            w.WriteBoolean("request_uri_parameter_supported", false);
            w.WriteString("authorization_endpoint", $"{b}/{tenant}/{oauth}/authorize");
            w.WriteString("device_authorization_endpoint", $"{b}/{tenant}/oauth2/v2.0/devicecode");
            w.WriteString("end_session_endpoint", $"{b}/{tenant}/{oauth}/logout");
            w.WriteString("tenant_region_scope", "NA");
            w.WriteString("cloud_instance_name", "microsoftonline.com");
            w.WriteString("cloud_graph_host_name", "graph.windows.net");
            w.WriteString("msgraph_host", "graph.microsoft.com");
            w.WriteEndObject();
        });
    }

    private static Task KeysAsync(HttpContext context, EmulatorContext emulator)
    {
        RSAParameters key = emulator.Tokens.PublicKey;
        return JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("keys");
            w.WriteStartObject();
            w.WriteString("kty", "RSA");
            w.WriteString("use", "sig");
            w.WriteString("alg", "RS256");
            w.WriteString("kid", emulator.Tokens.KeyId);
            w.WriteString("n", Base64Url.Encode(key.Modulus));
            w.WriteString("e", Base64Url.Encode(key.Exponent));
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
