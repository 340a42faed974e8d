using System.Globalization;
using Grpc.Core;

namespace KmsNative.Backend;

/// <summary>
/// No Key Vault permit before the call's deadline: UNAVAILABLE, so kube-apiserver retries later. A follower of a
/// shared decrypt whose own deadline is later asks again (<see cref="DecryptFlights"/>).
/// </summary>
internal sealed class KeyVaultRateLimitedException : RpcException
{
    public KeyVaultRateLimitedException(TimeSpan wait, double rate)
        : base(new Status(StatusCode.Unavailable, string.Create(CultureInfo.InvariantCulture,
            $"Key Vault calls are queued by the client-side rate limit ({rate:0.#}/s, --keyvault-rate-limit): this call's turn would come in {wait.TotalMilliseconds:0} ms, after its deadline")))
    {
    }
}
