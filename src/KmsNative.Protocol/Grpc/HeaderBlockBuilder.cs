using System.Buffers;
using KmsNative.Protocol.Buffers;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Grpc;

/// <summary>Builds one HPACK header block into a pooled buffer. Not thread-safe; dispose to return the buffer.</summary>
internal sealed class HeaderBlockBuilder : IDisposable
{
    private PooledSecretBuffer _buffer;

    public HeaderBlockBuilder(ArrayPool<byte>? pool = null)
    {
        _buffer = new PooledSecretBuffer(256, pool);
    }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void AppendRaw(ReadOnlySpan<byte> encodedFields) => _buffer.Append(encodedFields);

    /// <summary>A literal field without indexing (RFC 7541 §6.2.2): the dynamic table stays empty on our side.</summary>
    public void AppendLiteral(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        int written;
        for (int room = 64; !HpackEncoder.TryWriteLiteralWithoutIndexingNewName(name, value, _buffer.GetSpan(room), out written); room *= 2)
        {
        }

        _buffer.Advance(written);
    }

    public void AppendLiteral(int staticNameIndex, ReadOnlySpan<byte> value)
    {
        int written;
        for (int room = 64; !HpackEncoder.TryWriteLiteralWithoutIndexing(staticNameIndex, value, _buffer.GetSpan(room), out written); room *= 2)
        {
        }

        _buffer.Advance(written);
    }

    public void Dispose() => _buffer.Dispose();
}
