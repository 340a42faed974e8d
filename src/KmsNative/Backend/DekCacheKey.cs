using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace KmsNative.Backend;

/// <summary>
/// SHA-256 of (key version, algorithm, ciphertext): the same ciphertext under another version or algorithm is another
/// entry, and the cache holds no ciphertext. Computing it allocates nothing.
/// </summary>
internal readonly record struct DekCacheKey(ulong A, ulong B, ulong C, ulong D)
{
    public static DekCacheKey Compute(string version, string algorithm, ReadOnlySpan<byte> ciphertext)
    {
        int length = Encoding.UTF8.GetByteCount(version) + 1 + Encoding.UTF8.GetByteCount(algorithm) + 1 + ciphertext.Length;
        byte[]? rented = length > 1024 ? ArrayPool<byte>.Shared.Rent(length) : null; // ciphertext only: not a secret
        Span<byte> input = rented is null ? stackalloc byte[1024] : rented;
        int at = Encoding.UTF8.GetBytes(version, input);
        input[at++] = 0;
        at += Encoding.UTF8.GetBytes(algorithm, input[at..]);
        input[at++] = 0;
        ciphertext.CopyTo(input[at..]);

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..length], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(hash);
        return new DekCacheKey(words[0], words[1], words[2], words[3]);
    }
}
