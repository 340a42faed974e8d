using System.Buffers;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Grpc;

/// <summary>Builds one HPACK header block into a pooled buffer. Not thread-safe; dispose to return the buffer.</summary>
internal sealed class HeaderBlockBuilder : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(256);
    private int _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void AppendRaw(ReadOnlySpan<byte> encodedFields)
    {
        EnsureRoom(encodedFields.Length);
        encodedFields.CopyTo(_buffer.AsSpan(_length));
        _length += encodedFields.Length;
    }

    /// <summary>A literal field without indexing (RFC 7541 §6.2.2): the dynamic table stays empty on our side.</summary>
    public void AppendLiteral(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        int written;
        while (!HpackEncoder.TryWriteLiteralWithoutIndexingNewName(name, value, _buffer.AsSpan(_length), out written))
        {
            EnsureRoom(_buffer.Length);
        }

        _length += written;
    }

    public void AppendLiteral(int staticNameIndex, ReadOnlySpan<byte> value)
    {
        int written;
        while (!HpackEncoder.TryWriteLiteralWithoutIndexing(staticNameIndex, value, _buffer.AsSpan(_length), out written))
        {
            EnsureRoom(_buffer.Length);
        }

        _length += written;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void EnsureRoom(int bytes)
    {
        if (_buffer.Length - _length >= bytes && bytes < _buffer.Length)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(_buffer.Length + bytes + 64);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
