using System.Globalization;
using Grpc.Core;
using KmsNative.KeyVault.Client;

namespace KmsNative.Backend;

/// <summary>
/// The largest plaintext one RSA key wraps, checked before any Key Vault call so an oversized request costs no round
/// trip (a 1 MiB plaintext used to go to the vault first). For a modulus of k bytes: RSA-OAEP-256 takes at most
/// k − 2·32 − 2 bytes and RSA1_5 k − 11 (RFC 8017 §7.1.1, §7.2.1): 190 and 245 for RSA-2048. Until a get-key has told
/// the modulus of the version in use, the bound is that of RSA-4096, Key Vault's largest RSA key.
/// </summary>
internal readonly record struct PlaintextLimit(string Version, int ModulusBytes)
{
    public const int LargestModulusBytes = 4096 / 8;

    /// <summary>From a get-key's n, or null when the bundle has none.</summary>
    public static PlaintextLimit? From(string version, KeyBundle bundle) =>
        bundle.Key?.Modulus is { } n && Base64UrlCodec.TryDecode(n, out byte[] modulus)
            ? new PlaintextLimit(version, modulus.AsSpan().TrimStart((byte)0).Length)
            : null;

    public static int MaxPlaintext(int modulusBytes, string algorithm) =>
        algorithm == KeyVaultAlgorithm.Rsa15 ? modulusBytes - 11 : modulusBytes - (2 * 32) - 2;

    /// <summary>Throws INVALID_ARGUMENT, naming the sizes and never the bytes, when the plaintext cannot be wrapped.</summary>
    public static void Check(int plaintextLength, int modulusBytes, string algorithm, string keyUrl)
    {
        int max = MaxPlaintext(modulusBytes, algorithm);
        if (plaintextLength > max)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture,
                $"plaintext is {plaintextLength} bytes; key {keyUrl} (RSA-{modulusBytes * 8}) wraps at most {max} bytes with {algorithm}; kube-apiserver sends 32-byte DEKs")));
        }
    }
}
