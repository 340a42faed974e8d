using System.Buffers;
using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// Assembles one field block from a HEADERS frame without END_HEADERS and the CONTINUATION frames after it
/// (RFC 9113 §4.3, §6.10), with what the HEADERS frame decided about the block. Owned by the read loop; not
/// thread-safe. The block may carry tokens or other request metadata, so its buffer is a <see cref="PooledSecretBuffer"/>.
/// </summary>
internal sealed class HeaderBlockAssembler : IDisposable
{
    /// <summary>
    /// Every block must be decoded to keep HPACK state in step, so a block we refuse to buffer ends the connection;
    /// 64 KiB is four times our SETTINGS_MAX_HEADER_LIST_SIZE.
    /// </summary>
    public const int MaxBlockSize = 64 * 1024;

    private PooledSecretBuffer _block;

    public HeaderBlockAssembler(ArrayPool<byte>? pool = null)
    {
        _block = new PooledSecretBuffer(0, pool);
    }

    /// <summary>The stream whose block awaits CONTINUATION, or 0 when none does.</summary>
    public int StreamId { get; private set; }

    public bool EndStream { get; private set; }

    public HeaderBlockTarget Target { get; private set; }

    /// <summary>For <see cref="HeaderBlockTarget.Discard"/>: the RST_STREAM code to send once decoded, or NoError for none.</summary>
    public Http2ErrorCode ResetCode { get; private set; }

    /// <summary>The assembled block, once <see cref="Continue"/> returned true. Valid until <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> Block => _block.WrittenSpan;

    /// <summary>§6.10: while a block is open, any frame but a CONTINUATION of the same stream is a connection error.</summary>
    public void CheckNextFrame(FrameHeader header)
    {
        if (StreamId != 0 && header.Type != FrameType.Continuation)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"{header.Type} frame while a header block on stream {StreamId} awaits CONTINUATION");
        }
    }

    /// <summary>A HEADERS frame without END_HEADERS: keeps its fragment and decisions until the block is complete.</summary>
    public void Begin(int streamId, ReadOnlySpan<byte> fragment, bool endStream, HeaderBlockTarget target, Http2ErrorCode resetCode)
    {
        _block.Clear();
        Append(fragment);
        StreamId = streamId;
        EndStream = endStream;
        Target = target;
        ResetCode = resetCode;
    }

    /// <summary>Appends a CONTINUATION frame's fragment; true when it carries END_HEADERS and <see cref="Block"/> is complete.</summary>
    public bool Continue(FrameHeader header, ReadOnlySpan<byte> fragment)
    {
        if (StreamId == 0 || header.StreamId != StreamId)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"CONTINUATION on stream {header.StreamId} without a header block to continue"); // §6.10
        }

        Append(fragment);
        return header.HasFlag(FrameFlags.EndHeaders);
    }

    /// <summary>Forgets the completed block (zeroing it) so the next HEADERS can begin one.</summary>
    public void Clear()
    {
        _block.Clear();
        StreamId = 0;
    }

    public void Dispose() => _block.Dispose();

    private void Append(ReadOnlySpan<byte> fragment)
    {
        if (!_block.TryAppend(fragment, MaxBlockSize))
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm, "header block larger than 64 KiB");
        }
    }
}
