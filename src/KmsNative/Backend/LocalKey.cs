using System.Security.Cryptography;
using KmsNative.KeyVault.Client;

namespace KmsNative.Backend;

/// <summary>
/// The public part of one key version, from a get-key, for Encrypt without a Key Vault round trip: RSA-OAEP-256 (v2)
/// or RSA1_5 (v1) with (n, e), as Key Vault itself would. Used only while the key, as of the last check, is enabled,
/// within nbf/exp (evaluated at each call) and its key_ops allow encrypt. Immutable; the RSA object only ever does
/// public-key operations, which are safe to run concurrently.
/// </summary>
internal sealed class LocalKey
{
    private readonly RSA _rsa;
    private readonly DateTimeOffset? _notBefore;
    private readonly DateTimeOffset? _expires;

    private LocalKey(KeyReference key, RSA rsa, DateTimeOffset? notBefore, DateTimeOffset? expires)
    {
        Key = key;
        _rsa = rsa;
        _notBefore = notBefore;
        _expires = expires;
    }

    public KeyReference Key { get; }

    /// <summary>A local key for <paramref name="key"/>, or null when the bundle does not allow local encryption.</summary>
    public static LocalKey? From(KeyReference key, KeyBundle bundle)
    {
        JsonWebKey? jwk = bundle.Key;
        if (bundle.Attributes?.Enabled == false || jwk?.KeyType is not ("RSA" or "RSA-HSM")
            || jwk.KeyOperations is not { } operations || !operations.Contains("encrypt")
            || jwk.Modulus is null || jwk.Exponent is null
            || !Base64UrlCodec.TryDecode(jwk.Modulus, out byte[] modulus) || !Base64UrlCodec.TryDecode(jwk.Exponent, out byte[] exponent)
            || (jwk.KeyId is { } kid && KeyReference.Hash(kid) != key.KeyIdHash))
        {
            return null;
        }

        var rsa = RSA.Create(new RSAParameters { Modulus = modulus, Exponent = exponent });
        return new LocalKey(key, rsa,
            bundle.Attributes?.NotBefore is { } nbf ? DateTimeOffset.FromUnixTimeSeconds(nbf) : null,
            bundle.Attributes?.Expires is { } exp ? DateTimeOffset.FromUnixTimeSeconds(exp) : null);
    }

    public bool IsValidAt(DateTimeOffset now) => (_notBefore is not { } nbf || nbf <= now) && (_expires is not { } exp || exp > now);

    /// <summary>The ciphertext exactly as Key Vault's encrypt returns it: unpadded base64url of the RSA output, as ASCII.</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext, string algorithm)
    {
        RSAEncryptionPadding padding = algorithm == KeyVaultAlgorithm.Rsa15 ? RSAEncryptionPadding.Pkcs1 : RSAEncryptionPadding.OaepSHA256;
        byte[] wrapped = new byte[(_rsa.KeySize + 7) / 8];
        if (!_rsa.TryEncrypt(plaintext, wrapped, padding, out int written) || written != wrapped.Length)
        {
            throw new CryptographicException("local RSA encryption produced no full-size result");
        }

        return System.Text.Encoding.ASCII.GetBytes(Base64UrlCodec.Encode(wrapped));
    }
}
