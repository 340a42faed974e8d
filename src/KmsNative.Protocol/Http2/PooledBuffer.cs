using System.Buffers;

namespace KmsNative.Protocol.Http2;

/// <summary>A growable byte buffer rented from the shared pool, up to a fixed limit. Not thread-safe.</summary>
internal sealed class PooledBuffer : IDisposable
{
    private readonly int _limit;
    private byte[] _array = [];

    public PooledBuffer(int limit)
    {
        _limit = limit;
    }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, Length);

    /// <summary>Returns false, appending nothing, when the buffer would exceed its limit.</summary>
    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        if (data.Length > _limit - Length)
        {
            return false;
        }

        if (_array.Length - Length < data.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(1024, (Length + data.Length) * 2));
            _array.AsSpan(0, Length).CopyTo(larger);
            ReturnArray();
            _array = larger;
        }

        data.CopyTo(_array.AsSpan(Length));
        Length += data.Length;
        return true;
    }

    public void Clear() => Length = 0;

    public void Dispose()
    {
        ReturnArray();
        _array = [];
        Length = 0;
    }

    private void ReturnArray()
    {
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
    }
}
