using System.Buffers;
using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// The rest of a response that ran out of send window (RFC 9113 §6.9): its unsent DATA, then its trailers block, until a
/// WINDOW_UPDATE or SETTINGS makes room. Allocated only on that path, so a stream that is never blocked carries nothing
/// for it. The DATA of a Decrypt response is a DEK: <see cref="Dispose"/> zeroes it. Guarded by the connection lock.
/// </summary>
internal sealed class HeldResponse : IDisposable
{
    private PooledSecretBuffer _bytes;
    private readonly int _dataEnd;
    private int _sent;

    public HeldResponse(Http2Stream stream, ReadOnlySpan<byte> data, ReadOnlySpan<byte> trailers, ArrayPool<byte>? pool)
    {
        Stream = stream;
        _bytes = new PooledSecretBuffer(data.Length + trailers.Length, pool);
        _bytes.Append(data);
        _bytes.Append(trailers);
        _dataEnd = data.Length;
    }

    public Http2Stream Stream { get; }

    /// <summary>Bytes reserved for it from the connection's and the server's budgets.</summary>
    public int Size => _bytes.Length;

    public ReadOnlySpan<byte> UnsentData => _bytes.WrittenSpan[_sent.._dataEnd];

    public ReadOnlySpan<byte> Trailers => _bytes.WrittenSpan[_dataEnd..];

    public bool AllDataSent => _sent == _dataEnd;

    public void MarkSent(int count) => _sent += count;

    public void Dispose() => _bytes.Dispose();
}
