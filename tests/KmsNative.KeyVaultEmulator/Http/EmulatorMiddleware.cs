using System.Globalization;
using KmsNative.KeyVaultEmulator.Faults;

namespace KmsNative.KeyVaultEmulator.Http;

/// <summary>
/// Runs before routing: response headers every Key Vault answer has, path clean-up, the operation counters and
/// fault injection, and <see cref="KeyVaultGate"/> for /keys.
/// </summary>
internal sealed class EmulatorMiddleware(EmulatorContext emulator)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        HttpRequest request = context.Request;
        bool plainHttp = !request.IsHttps; // before NormalizePath, which marks proxy-mode requests https
        NormalizePath(request);

        string requestId = Guid.NewGuid().ToString();
        IHeaderDictionary headers = context.Response.Headers;
        headers["x-ms-request-id"] = requestId;
        headers["x-ms-keyvault-region"] = emulator.Options.Region;
        headers["x-ms-keyvault-service-version"] = "1.9.0.0";
        headers["x-ms-keyvault-network-info"] = "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;";
        headers.CacheControl = "no-cache";
        if (request.Headers.TryGetValue("x-ms-client-request-id", out var clientRequestId))
        {
            headers["x-ms-client-request-id"] = clientRequestId;
        }

        string? operation = Operation.Classify(request.Method, request.Path.Value ?? "/");
        if (plainHttp && ProxyTargetFor(operation) is { } target)
        {
            // Azure/kubernetes-kms --proxy-mode: the AKS proxy routes plain-HTTP requests by this header, so a
            // request without it would never reach Key Vault or Entra ID.
            if (!string.Equals(request.Headers["x-azure-proxy-target"], target, StringComparison.Ordinal))
            {
                await KeyVaultError.BadParameter(context,
                    $"A plain-HTTP (proxy mode) {operation} request needs the header x-azure-proxy-target: {target}.");
                return;
            }
            emulator.Faults.CountProxied(target);
        }
        if (operation is not null && emulator.Faults.OnRequest(operation) is { } fault)
        {
            if (fault.LatencyMs > 0)
            {
                await Task.Delay(fault.LatencyMs, context.RequestAborted);
            }
            if (fault.DropConnection)
            {
                context.Abort();
                return;
            }
            if (fault.Status is int status)
            {
                if (fault.RetryAfterSeconds is int retryAfter)
                {
                    headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                }
                await KeyVaultError.WriteAsync(context, status, fault.ErrorCode ?? DefaultCode(status),
                    $"Injected fault for operation '{operation}'.");
                return;
            }
        }

        if (request.Path.StartsWithSegments("/keys") && !await KeyVaultGate.CheckAsync(context, emulator))
        {
            return;
        }
        await next(context);
    }

    /// <summary>The x-azure-proxy-target a plain-HTTP request must carry; IMDS and discovery need none.</summary>
    private static string? ProxyTargetFor(string? operation) => operation switch
    {
        null or Operation.Imds or Operation.Discovery => null,
        Operation.Token => "AzureActiveDirectory",
        _ => "KeyVault",
    };

    private static string DefaultCode(int status) => status switch
    {
        429 => "Throttled",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        500 => "InternalServerError",
        503 => "ServiceUnavailable",
        _ => "EmulatorFault",
    };

    private static void NormalizePath(HttpRequest request)
    {
        string path = request.Path.Value ?? "/";
        // Proxy mode of the Go plugin: http://proxy/{vault}.{suffix}/keys/… carries the vault host as the first segment.
        int second = path.IndexOf('/', 1);
        if (second > 0 && path.AsSpan(1, second - 1).Contains('.') && path.AsSpan(second).StartsWith("/keys", StringComparison.Ordinal))
        {
            request.Scheme = "https"; // the kid names the real vault, not the proxy
            request.Host = new HostString(path[1..second]);
            request.PathBase = path[..second];
            path = path[second..];
        }
        // Track-1 SDKs send /keys/{name}//encrypt when the version is empty.
        while (path.Contains("//", StringComparison.Ordinal))
        {
            path = path.Replace("//", "/", StringComparison.Ordinal);
        }
        request.Path = path;
    }
}
