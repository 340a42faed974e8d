namespace KmsNative.KeyVaultEmulator.Faults;

/// <summary>
/// Names a request for counters and fault rules: Key Vault operations (create, rotate, get, update, list, versions,
/// encrypt, decrypt, wrapkey, unwrapkey), token (AAD v1 and v2), imds (managed identity) and discovery
/// (OpenID configuration, instance discovery, JWKS). Admin calls under /_emulator are not operations.
/// </summary>
internal static class Operation
{
    public const string Token = "token";
    public const string Imds = "imds";
    public const string Discovery = "discovery";

    public static readonly IReadOnlyList<string> All =
        ["create", "rotate", "get", "update", "list", "versions", "encrypt", "decrypt", "wrapkey", "unwrapkey",
         Token, Imds, Discovery];

    public static string? Classify(string method, string path)
    {
        string[] s = path.Trim('/').Split('/');
        if (s.Length == 0 || s[0] == "_emulator")
        {
            return null;
        }
        if (s[0] == "keys")
        {
            return s.Length switch
            {
                1 => "list",
                2 => HttpMethods.IsPatch(method) ? "update" : "get",
                3 when s[2] is "create" or "rotate" or "versions" => s[2],
                3 when HttpMethods.IsPost(method) => s[2].ToLowerInvariant(),
                3 => HttpMethods.IsPatch(method) ? "update" : "get",
                4 => s[3].ToLowerInvariant(),
                _ => "other",
            };
        }
        if (s.Length == 4 && s[0] == "metadata" && s[1] == "identity")
        {
            return Imds;
        }
        if (path.EndsWith("/token", StringComparison.Ordinal) && s.Contains("oauth2"))
        {
            return Token;
        }
        if (path.Contains("/discovery/", StringComparison.Ordinal) || path.Contains("/.well-known/", StringComparison.Ordinal))
        {
            return Discovery;
        }
        return "other";
    }
}
