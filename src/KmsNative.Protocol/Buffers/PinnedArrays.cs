using System.Buffers;

namespace KmsNative.Protocol.Buffers;

/// <summary>
/// An <see cref="ArrayPool{T}"/> that pools nothing, for a <see cref="PooledSecretBuffer"/> whose secret lives long
/// (a DEK cache entry, up to the cache's time to live): each rent is a new pinned array of exactly the length asked,
/// and a returned array is dropped. Pinned, the GC never moves it, so compaction leaves no copy of the secret behind;
/// not pooled, an hour-long owner takes nothing from the shared pool. The buffer's one policy still applies: it zeroes
/// the array before returning it here.
/// </summary>
internal sealed class PinnedArrays : ArrayPool<byte>
{
    public static readonly PinnedArrays Instance = new();

    private PinnedArrays()
    {
    }

    public override byte[] Rent(int minimumLength) => GC.AllocateUninitializedArray<byte>(minimumLength, pinned: true);

    public override void Return(byte[] array, bool clearArray = false)
    {
        if (clearArray)
        {
            Array.Clear(array);
        }
    }
}
