using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace KmsNative.KeyVault.Client;

/// <summary>
/// Tells the caller about every 429 (installed per retry, so one that Azure.Core's retry then hides still counts), with
/// the wait Key Vault asked for: retry-after-ms / x-ms-retry-after-ms, else Retry-After in seconds (RFC 9110 §10.2.3;
/// the HTTP-date form is reported as null: our clock and the vault's may differ). Reads one header, never a body.
/// </summary>
internal sealed class ThrottleSignalPolicy(Action<TimeSpan?> throttled) : HttpPipelineSynchronousPolicy
{
    public override void OnReceivedResponse(HttpMessage message)
    {
        if (message.Response.Status == 429)
        {
            throttled(RetryAfter(message.Response));
        }
    }

    public static TimeSpan? RetryAfter(Response response)
    {
        foreach (string name in s_milliseconds)
        {
            if (response.Headers.TryGetValue(name, out string? ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0)
            {
                return TimeSpan.FromMilliseconds(value);
            }
        }

        return response.Headers.TryGetValue("Retry-After", out string? seconds) && int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out int s)
            ? TimeSpan.FromSeconds(s)
            : null;
    }

    private static readonly string[] s_milliseconds = ["retry-after-ms", "x-ms-retry-after-ms"];
}
