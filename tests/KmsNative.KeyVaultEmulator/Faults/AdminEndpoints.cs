using System.Security.Cryptography;
using System.Text.Json;
using KmsNative.KeyVaultEmulator.Crypto;
using KmsNative.KeyVaultEmulator.Http;
using KmsNative.KeyVaultEmulator.Keys;
using KmsNative.KeyVaultEmulator.Tokens;

namespace KmsNative.KeyVaultEmulator.Faults;

/// <summary>
/// Test control under /_emulator (no authentication; the emulator listens on loopback only):
/// faults, counters, key seeding, and minting tokens that the token endpoints would not hand out (expired, wrong audience).
/// </summary>
internal static class AdminEndpoints
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };

    public static void Map(IEndpointRouteBuilder app, EmulatorContext emulator)
    {
        app.MapPost("/_emulator/faults", (HttpContext c) => AddFaultAsync(c, emulator));
        app.MapDelete("/_emulator/faults", () =>
        {
            emulator.Faults.Clear();
            return Results.NoContent();
        });
        app.MapGet("/_emulator/counters", (HttpContext c) => JsonResponse.WriteAsync(c, 200, w =>
        {
            w.WriteStartObject();
            WriteCounts(w, "requests", emulator.Faults.Requests);
            WriteCounts(w, "faulted", emulator.Faults.Faulted);
            WriteCounts(w, "proxied", emulator.Faults.Proxied);
            w.WriteNumber("activeFaults", emulator.Faults.ActiveRules);
            w.WriteNumber("peakPerSecond", emulator.Faults.PeakPerSecond);
            w.WriteEndObject();
        }));
        app.MapDelete("/_emulator/counters", () =>
        {
            emulator.Faults.ResetCounters();
            return Results.NoContent();
        });
        app.MapPost("/_emulator/keys", (HttpContext c) => SeedKeyAsync(c, emulator));
        app.MapPost("/_emulator/tokens", (HttpContext c) => MintTokenAsync(c, emulator));
        app.MapPost("/_emulator/federated-token", (HttpContext c) => MintFederatedTokenAsync(c, emulator));
    }

    private static void WriteCounts(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> counts)
    {
        w.WriteStartObject(name);
        foreach ((string op, long n) in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(op, n);
        }
        w.WriteEndObject();
    }

    // {"operation":"encrypt"|"*",...,"status":503,"retryAfterSeconds":1,"count":2,"latencyMs":0,"dropConnection":false}
    private static async Task AddFaultAsync(HttpContext context, EmulatorContext emulator)
    {
        FaultRule? rule;
        try
        {
            rule = await JsonSerializer.DeserializeAsync<FaultRule>(context.Request.Body, s_json, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await KeyVaultError.BadParameter(context, ex.Message);
            return;
        }
        if (rule is null || (rule.Status is null && !rule.DropConnection && rule.LatencyMs <= 0))
        {
            await KeyVaultError.BadParameter(context, "A fault needs status, dropConnection or latencyMs.");
            return;
        }
        if (rule.Operation != "*" && !Operation.All.Contains(rule.Operation, StringComparer.OrdinalIgnoreCase))
        {
            await KeyVaultError.BadParameter(context, $"Unknown operation '{rule.Operation}'. Known: *, {string.Join(", ", Operation.All)}.");
            return;
        }
        emulator.Faults.Add(rule);
        await JsonResponse.WriteAsync(context, 201, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("activeFaults", emulator.Faults.ActiveRules);
            w.WriteEndObject();
        });
    }

    // {"name":"k","size":2048,"kty":"RSA","version":"<32 hex>","enabled":true,"exp":…,"nbf":…,"privateKeyPem":"…"}
    private static async Task SeedKeyAsync(HttpContext context, EmulatorContext emulator)
    {
        if (await JsonResponse.ReadObjectAsync(context) is not { } body || body.GetStringOrNull("name") is not { } name ||
            !KeyStore.IsValidName(name))
        {
            await KeyVaultError.BadParameter(context, "Body must be a JSON object with a valid 'name'.");
            return;
        }
        int size = body.TryGetProperty("size", out JsonElement s) && s.TryGetInt32(out int n) ? n : 2048;
        string kty = body.GetStringOrNull("kty") ?? "RSA";
        string? version = body.GetStringOrNull("version");
        string? pem = body.GetStringOrNull("privateKeyPem");
        if (!KeyStore.IsValidKeySize(size) || kty is not ("RSA" or "RSA-HSM") ||
            (version is not null && (version.Length != 32 || !version.All(char.IsAsciiHexDigitLower))))
        {
            await KeyVaultError.BadParameter(context, "size must be 2048/3072/4096, kty RSA/RSA-HSM, version 32 lowercase hex digits.");
            return;
        }
        RSA? rsa = null;
        if (pem is not null)
        {
            rsa = RSA.Create();
            rsa.ImportFromPem(pem);
        }
        (KeyEntry entry, KeyVersion created) = KeyEndpoints.Create(emulator, name, kty, size, null, version, rsa);
        lock (entry.Sync)
        {
            if (body.TryGetProperty("enabled", out JsonElement enabled) && enabled.ValueKind == JsonValueKind.False)
            {
                created.Enabled = false;
            }
            if (body.TryGetProperty("exp", out JsonElement exp) && exp.TryGetInt64(out long expSeconds))
            {
                created.Expires = DateTimeOffset.FromUnixTimeSeconds(expSeconds);
            }
            if (body.TryGetProperty("nbf", out JsonElement nbf) && nbf.TryGetInt64(out long nbfSeconds))
            {
                created.NotBefore = DateTimeOffset.FromUnixTimeSeconds(nbfSeconds);
            }
        }
        RSAParameters p = created.Rsa.ExportParameters(false);
        string kid = KeyBundleWriter.Kid(EmulatorContext.BaseUrl(context.Request), entry, created);
        await JsonResponse.WriteAsync(context, 201, w =>
        {
            w.WriteStartObject();
            w.WriteString("kid", kid);
            w.WriteString("name", entry.Name);
            w.WriteString("version", created.Version);
            w.WriteString("n", Base64Url.Encode(p.Modulus));
            w.WriteString("e", Base64Url.Encode(p.Exponent));
            w.WriteEndObject();
        });
    }

    // {"audience":"https://vault.azure.net","lifetimeSeconds":-60,"tenantId":…,"clientId":…} → {"access_token":…,"expires_on":…}
    private static async Task MintTokenAsync(HttpContext context, EmulatorContext emulator)
    {
        JsonElement body = await JsonResponse.ReadObjectAsync(context) ?? default;
        bool hasBody = body.ValueKind == JsonValueKind.Object;
        string audience = (hasBody ? body.GetStringOrNull("audience") : null) ?? emulator.Config.VaultResources[0];
        string tenant = (hasBody ? body.GetStringOrNull("tenantId") : null) ?? EmulatorConfig.DefaultTenantId;
        string client = (hasBody ? body.GetStringOrNull("clientId") : null) ?? EmulatorConfig.DefaultClientId;
        int? lifetime = hasBody && body.TryGetProperty("lifetimeSeconds", out JsonElement l) && l.TryGetInt32(out int secs) ? secs : null;
        IssuedToken token = emulator.Tokens.Issue($"https://sts.windows.net/{tenant}/", audience, tenant, client, client,
            lifetime is int v ? TimeSpan.FromSeconds(v) : null);
        await JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", token.AccessToken);
            w.WriteNumber("expires_on", token.ExpiresOn.ToUnixTimeSeconds());
            w.WriteEndObject();
        });
    }

    // {"subject":"system:serviceaccount:kube-system:kms","audience":"api://AzureADTokenExchange","lifetimeSeconds":3600,"file":"/tmp/token"}
    private static async Task MintFederatedTokenAsync(HttpContext context, EmulatorContext emulator)
    {
        JsonElement body = await JsonResponse.ReadObjectAsync(context) ?? default;
        bool hasBody = body.ValueKind == JsonValueKind.Object;
        string subject = (hasBody ? body.GetStringOrNull("subject") : null) ?? "system:serviceaccount:kube-system:kmsnative";
        string audience = (hasBody ? body.GetStringOrNull("audience") : null) ?? "api://AzureADTokenExchange";
        int lifetime = hasBody && body.TryGetProperty("lifetimeSeconds", out JsonElement l) && l.TryGetInt32(out int secs) ? secs : 3600;
        string token = emulator.Tokens.IssueFederated(ClientAuthenticator.SelfIssuerUrl, subject, audience, TimeSpan.FromSeconds(lifetime));
        if (hasBody && body.GetStringOrNull("file") is { } file)
        {
            await File.WriteAllTextAsync(file, token, context.RequestAborted);
        }
        await JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("token", token);
            w.WriteString("issuer", ClientAuthenticator.SelfIssuerUrl);
            w.WriteEndObject();
        });
    }
}
