using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KmsNative.KeyVaultEmulator.Http;

namespace KmsNative.KeyVaultEmulator.Keys;

/// <summary>
/// Key management: create, rotate, get, update (PATCH), list keys, list versions. Requests arrive here only after
/// <see cref="KeyVaultGate"/> has checked the bearer token and api-version.
/// </summary>
internal static class KeyEndpoints
{
    private const int MaxResults = 25;

    public static void Map(IEndpointRouteBuilder app, EmulatorContext emulator)
    {
        app.MapPost("/keys/{name}/create", (HttpContext c, string name) => CreateAsync(c, emulator, name));
        app.MapPost("/keys/{name}/rotate", (HttpContext c, string name) => RotateAsync(c, emulator, name));
        app.MapGet("/keys/{name}", (HttpContext c, string name) => GetAsync(c, emulator, name, null));
        app.MapGet("/keys/{name}/{version}", (HttpContext c, string name, string version) => GetAsync(c, emulator, name, version));
        app.MapMethods("/keys/{name}", [HttpMethods.Patch], (HttpContext c, string name) => UpdateAsync(c, emulator, name, null));
        app.MapMethods("/keys/{name}/{version}", [HttpMethods.Patch], (HttpContext c, string name, string version) => UpdateAsync(c, emulator, name, version));
        app.MapGet("/keys/{name}/versions", (HttpContext c, string name) => ListVersionsAsync(c, emulator, name));
        app.MapGet("/keys", (HttpContext c) => ListAsync(c, emulator));
    }

    /// <summary>Creates a key with a new RSA private key; shared with the admin seeding endpoint.</summary>
    public static (KeyEntry Entry, KeyVersion Version) Create(EmulatorContext emulator, string name, string kty, int size,
        IReadOnlyList<string>? keyOps, string? version = null, RSA? rsa = null) =>
        emulator.Keys.AddVersion(name, kty, rsa ?? RSA.Create(size), keyOps, version);

    private static async Task CreateAsync(HttpContext context, EmulatorContext emulator, string name)
    {
        if (!KeyStore.IsValidName(name))
        {
            await KeyVaultError.BadParameter(context, "The request URI contains an invalid name: " + name);
            return;
        }
        if (await JsonResponse.ReadObjectAsync(context) is not { } body)
        {
            await KeyVaultError.BadParameter(context, "The request body is not a valid JSON object.");
            return;
        }
        string? kty = body.GetStringOrNull("kty");
        if (kty is not ("RSA" or "RSA-HSM"))
        {
            await KeyVaultError.BadParameter(context, kty is null
                ? "Property 'kty' is required."
                : $"Key type '{kty}' is not supported by the emulator (RSA and RSA-HSM only).");
            return;
        }
        int size = 2048;
        if (body.TryGetProperty("key_size", out JsonElement sizeElement) &&
            (!sizeElement.TryGetInt32(out size) || !KeyStore.IsValidKeySize(size)))
        {
            await KeyVaultError.BadParameter(context, $"Invalid key size: {sizeElement}. Supported sizes are 2048, 3072 and 4096.");
            return;
        }
        if (body.TryGetProperty("public_exponent", out JsonElement exponent) && exponent.GetRawText() != "65537")
        {
            await KeyVaultError.BadParameter(context, "The emulator only creates keys with public exponent 65537.");
            return;
        }
        if (!TryReadKeyOps(body, out IReadOnlyList<string>? keyOps, out string? error))
        {
            await KeyVaultError.BadParameter(context, error);
            return;
        }
        (KeyEntry entry, KeyVersion created) = Create(emulator, name, kty, size, keyOps);
        await UpdateAndWriteAsync(context, entry, created, body);
    }

    private static async Task RotateAsync(HttpContext context, EmulatorContext emulator, string name)
    {
        if (emulator.Keys.Find(name) is not { } entry)
        {
            await KeyVaultError.KeyNotFound(context, name, null);
            return;
        }
        KeyVersion latest;
        lock (entry.Sync)
        {
            latest = entry.Latest;
        }
        (_, KeyVersion rotated) = Create(emulator, entry.Name, latest.Kty, latest.Rsa.KeySize, latest.KeyOps);
        await WriteBundleAsync(context, entry, rotated);
    }

    private static async Task GetAsync(HttpContext context, EmulatorContext emulator, string name, string? version)
    {
        if (Find(emulator, name, version) is not (KeyEntry entry, KeyVersion found))
        {
            await KeyVaultError.KeyNotFound(context, name, version);
            return;
        }
        await WriteBundleAsync(context, entry, found);
    }

    private static async Task UpdateAsync(HttpContext context, EmulatorContext emulator, string name, string? version)
    {
        if (Find(emulator, name, version) is not (KeyEntry entry, KeyVersion found))
        {
            await KeyVaultError.KeyNotFound(context, name, version);
            return;
        }
        if (await JsonResponse.ReadObjectAsync(context) is not { } body)
        {
            await KeyVaultError.BadParameter(context, "The request body is not a valid JSON object.");
            return;
        }
        if (!TryReadKeyOps(body, out IReadOnlyList<string>? keyOps, out string? error))
        {
            await KeyVaultError.BadParameter(context, error);
            return;
        }
        if (keyOps is not null)
        {
            lock (entry.Sync)
            {
                found.KeyOps = keyOps;
            }
        }
        await UpdateAndWriteAsync(context, entry, found, body);
    }

    /// <summary>Applies <c>attributes</c> and <c>tags</c> from a create or update body, then writes the bundle.</summary>
    private static async Task UpdateAndWriteAsync(HttpContext context, KeyEntry entry, KeyVersion version, JsonElement body)
    {
        if (body.TryGetProperty("attributes", out JsonElement attributes) && attributes.ValueKind == JsonValueKind.Object)
        {
            if (!TryReadTime(attributes, "exp", out DateTimeOffset? exp, out bool hasExp) ||
                !TryReadTime(attributes, "nbf", out DateTimeOffset? nbf, out bool hasNbf))
            {
                await KeyVaultError.BadParameter(context, "attributes.exp and attributes.nbf must be integers (seconds since 1970-01-01 UTC).");
                return;
            }
            bool? enabled = attributes.TryGetProperty("enabled", out JsonElement e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? e.GetBoolean()
                : null;
            lock (entry.Sync)
            {
                version.Enabled = enabled ?? version.Enabled;
                version.Expires = hasExp ? exp : version.Expires;
                version.NotBefore = hasNbf ? nbf : version.NotBefore;
            }
        }
        if (body.TryGetProperty("tags", out JsonElement tags) && tags.ValueKind == JsonValueKind.Object)
        {
            var copy = tags.EnumerateObject().ToDictionary(t => t.Name, t => t.Value.ToString(), StringComparer.Ordinal);
            lock (entry.Sync)
            {
                version.Tags = copy;
            }
        }
        lock (entry.Sync)
        {
            version.Updated = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        }
        await WriteBundleAsync(context, entry, version);
    }

    private static async Task ListVersionsAsync(HttpContext context, EmulatorContext emulator, string name)
    {
        if (emulator.Keys.Find(name) is not { } entry)
        {
            await KeyVaultError.KeyNotFound(context, name, null);
            return;
        }
        List<(string Kid, KeyVersion Version)> items;
        string baseUrl = EmulatorContext.BaseUrl(context.Request);
        lock (entry.Sync)
        {
            items = entry.Versions.Select(v => (KeyBundleWriter.Kid(baseUrl, entry, v), v)).ToList();
        }
        await WritePageAsync(context, entry, items, $"{baseUrl}/keys/{entry.Name}/versions");
    }

    private static async Task ListAsync(HttpContext context, EmulatorContext emulator)
    {
        string baseUrl = EmulatorContext.BaseUrl(context.Request);
        List<(string Kid, KeyVersion Version)> items = [];
        foreach (KeyEntry entry in emulator.Keys.All())
        {
            lock (entry.Sync)
            {
                items.Add(($"{baseUrl}/keys/{entry.Name}", entry.Latest));
            }
        }
        await WritePageAsync(context, null, items, $"{baseUrl}/keys");
    }

    // Paging: {"value":[…],"nextLink":"…?api-version=…&$skiptoken=…&maxresults=…"} and nextLink null on the last page.
    private static async Task WritePageAsync(HttpContext context, KeyEntry? entry, List<(string Kid, KeyVersion Version)> items, string pageUrl)
    {
        IQueryCollection query = context.Request.Query;
        int max = MaxResults;
        if (!string.IsNullOrEmpty(query["maxresults"]) &&
            (!int.TryParse(query["maxresults"], NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > MaxResults))
        {
            await KeyVaultError.BadParameter(context, $"maxresults must be between 1 and {MaxResults}.");
            return;
        }
        int skip = 0;
        string? skipToken = query["$skiptoken"];
        if (!string.IsNullOrEmpty(skipToken) && !TryDecodeSkipToken(skipToken, out skip))
        {
            await KeyVaultError.BadParameter(context, "Invalid $skiptoken.");
            return;
        }
        var page = items.Skip(skip).Take(max).ToList();
        string? next = skip + max < items.Count
            ? $"{pageUrl}?api-version={Uri.EscapeDataString(query["api-version"].ToString())}&$skiptoken={EncodeSkipToken(skip + max)}&maxresults={max}"
            : null;
        await JsonResponse.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("value");
            foreach ((string kid, KeyVersion version) in page)
            {
                if (entry is null)
                {
                    KeyBundleWriter.WriteItem(w, kid, version);
                }
                else
                {
                    lock (entry.Sync)
                    {
                        KeyBundleWriter.WriteItem(w, kid, version);
                    }
                }
            }
            w.WriteEndArray();
            w.WriteString("nextLink", next);
            w.WriteEndObject();
        });
    }

    private static string EncodeSkipToken(int offset) =>
        Crypto.Base64Url.Encode(Encoding.UTF8.GetBytes("offset:" + offset.ToString(CultureInfo.InvariantCulture)));

    private static bool TryDecodeSkipToken(string token, out int offset)
    {
        offset = 0;
        return Crypto.Base64Url.TryDecode(token, out byte[] bytes) &&
               Encoding.UTF8.GetString(bytes) is { } text && text.StartsWith("offset:", StringComparison.Ordinal) &&
               int.TryParse(text.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }

    public static (KeyEntry, KeyVersion)? Find(EmulatorContext emulator, string name, string? version)
    {
        if (emulator.Keys.Find(name) is not { } entry)
        {
            return null;
        }
        lock (entry.Sync)
        {
            KeyVersion? found = string.IsNullOrEmpty(version) ? entry.Latest : entry.Find(version);
            return found is null ? null : (entry, found);
        }
    }

    private static Task WriteBundleAsync(HttpContext context, KeyEntry entry, KeyVersion version)
    {
        string baseUrl = EmulatorContext.BaseUrl(context.Request);
        return JsonResponse.WriteAsync(context, 200, w =>
        {
            lock (entry.Sync)
            {
                KeyBundleWriter.WriteBundle(w, baseUrl, entry, version);
            }
        });
    }

    private static bool TryReadKeyOps(JsonElement body, out IReadOnlyList<string>? keyOps, out string error)
    {
        keyOps = null;
        error = "";
        if (!body.TryGetProperty("key_ops", out JsonElement ops) || ops.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (ops.ValueKind != JsonValueKind.Array)
        {
            error = "key_ops must be an array.";
            return false;
        }
        List<string> list = [];
        foreach (JsonElement op in ops.EnumerateArray())
        {
            string? value = op.ValueKind == JsonValueKind.String ? op.GetString() : null;
            if (value is null || !KeyStore.AllKeyOps.Contains(value))
            {
                error = $"Invalid key operation: {op}.";
                return false;
            }
            list.Add(value);
        }
        keyOps = list;
        return true;
    }

    private static bool TryReadTime(JsonElement attributes, string name, out DateTimeOffset? value, out bool present)
    {
        value = null;
        present = attributes.TryGetProperty(name, out JsonElement element);
        if (!present || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (!element.TryGetInt64(out long seconds))
        {
            return false;
        }
        value = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }
}
