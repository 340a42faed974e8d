using System.Globalization;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using KmsNative.KeyVault.Client;
using KmsNative.Kms;

namespace KmsNative.Backend;

/// <summary>
/// The five *.azure.akv.io annotations Azure/kubernetes-kms puts on every KMS v2 Encrypt response, and its checks of
/// them on Decrypt, in its order and with its messages, so operators' runbooks still match.
/// </summary>
internal static class V2Annotations
{
    public const string Algorithm = "algorithm.azure.akv.io";
    public const string Version = "version.azure.akv.io";
    public const string Date = "date.azure.akv.io";
    public const string RequestId = "x-ms-request-id.azure.akv.io";
    public const string Region = "x-ms-keyvault-region.azure.akv.io";
    public const string EncryptionResponseVersion = "1";

    /// <summary>v1beta1 responses carry none.</summary>
    public static readonly IReadOnlyDictionary<string, byte[]> None = new Dictionary<string, byte[]>();

    /// <summary>From Key Vault's encrypt response headers, as the Go plugin copies them.</summary>
    public static Dictionary<string, byte[]> ForKeyVault(KeyOperationResult result) => new(5, StringComparer.Ordinal)
    {
        [Date] = Encoding.UTF8.GetBytes(result.Date ?? ""),
        [RequestId] = Encoding.UTF8.GetBytes(result.RequestId ?? ""),
        [Region] = Encoding.UTF8.GetBytes(result.Region ?? ""),
        [Version] = Encoding.UTF8.GetBytes(EncryptionResponseVersion),
        [Algorithm] = Encoding.UTF8.GetBytes(KeyVaultAlgorithm.RsaOaep256),
    };

    /// <summary>A local encrypt: the date is ours, there is no request id, and the region says "local".</summary>
    public static Dictionary<string, byte[]> ForLocal(DateTimeOffset now) => new(5, StringComparer.Ordinal)
    {
        [Date] = Encoding.UTF8.GetBytes(now.ToString("r", CultureInfo.InvariantCulture)),
        [RequestId] = [],
        [Region] = "local"u8.ToArray(),
        [Version] = Encoding.UTF8.GetBytes(EncryptionResponseVersion),
        [Algorithm] = Encoding.UTF8.GetBytes(KeyVaultAlgorithm.RsaOaep256),
    };

    /// <summary>
    /// Azure/kubernetes-kms's checks after empty annotations and the key id. The expected values are compared as bytes,
    /// so a valid request allocates nothing here (a cached Decrypt is held to the in-memory backend's allocation).
    /// </summary>
    public static void Validate(DecryptInput input)
    {
        if (!Is(input, Algorithm, "RSA-OAEP-256"u8))
        {
            throw Invalid($"algorithm {Text(input, Algorithm)} does not match expected algorithm {KeyVaultAlgorithm.RsaOaep256} used for encryption");
        }

        if (!Is(input, Version, "1"u8))
        {
            throw Invalid($"version {Text(input, Version)} does not match expected version {EncryptionResponseVersion} used for encryption");
        }
    }

    private static bool Is(DecryptInput input, string key, ReadOnlySpan<byte> expected) =>
        input.Annotations.TryGetValue(key, out ByteString? value) ? value.Span.SequenceEqual(expected) : expected.IsEmpty;

    private static string Text(DecryptInput input, string key) =>
        input.Annotations.TryGetValue(key, out ByteString? value) ? value.ToStringUtf8() : "";

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
