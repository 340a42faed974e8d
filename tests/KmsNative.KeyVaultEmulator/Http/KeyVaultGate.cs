using System.Text.RegularExpressions;

namespace KmsNative.KeyVaultEmulator.Http;

/// <summary>
/// What Key Vault checks before any /keys call: a bearer token (else 401 with the challenge the SDKs start from),
/// then a known api-version.
/// </summary>
internal static partial class KeyVaultGate
{
    /// <summary>Returns true when the request may go on; otherwise the response has been written.</summary>
    public static async Task<bool> CheckAsync(HttpContext context, EmulatorContext emulator)
    {
        string? authorization = context.Request.Headers.Authorization;
        string? failure;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            failure = "AKV10000: Request is missing a Bearer or PoP token.";
        }
        else
        {
            failure = emulator.Tokens.ValidateAccessToken(authorization["Bearer ".Length..].Trim(), emulator.Config.VaultResources);
        }
        if (failure is not null)
        {
            // The authority names this emulator (the host the client used), so an SDK that follows the challenge
            // asks us for the token. Real Key Vault names https://login.microsoftonline.com/{tenant}.
            string tenant = emulator.Config.Tenants.FirstOrDefault()?.Id ?? emulator.Config.ManagedIdentities.TenantId;
            context.Response.Headers.WWWAuthenticate =
                $"Bearer authorization=\"{EmulatorContext.BaseUrl(context.Request)}/{tenant}\", resource=\"{emulator.Config.VaultResources[0]}\"";
            await KeyVaultError.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", failure);
            return false;
        }

        string? apiVersion = context.Request.Query["api-version"];
        if (string.IsNullOrEmpty(apiVersion))
        {
            await KeyVaultError.BadParameter(context, "The 'api-version' query parameter is missing.");
            return false;
        }
        if (!ApiVersionRegex().IsMatch(apiVersion))
        {
            await KeyVaultError.BadParameter(context,
                $"The specified version ({apiVersion}) is not recognized. Consider using the latest supported version (7.6).");
            return false;
        }
        return true;
    }

    // 2016-10-01 (track-1 SDKs, the Go plugin), 7.0 … 7.6[-preview[.N]], and date versions from 2025 on.
    [GeneratedRegex(@"^(2016-10-01|7\.\d+(-preview(\.\d+)?)?|20[2-9]\d-\d\d-\d\d(-preview)?)$")]
    private static partial Regex ApiVersionRegex();
}
