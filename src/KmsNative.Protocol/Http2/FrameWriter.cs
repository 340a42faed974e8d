using System.Buffers;
using System.Buffers.Binary;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// Appends frames to a growable pooled buffer. Not thread-safe: <see cref="Http2Connection"/> holds its lock while writing.
/// The buffer never holds plaintext for long: it is cleared before it goes back to the pool because DATA frames
/// of Decrypt responses carry DEKs.
/// </summary>
internal sealed class FrameWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public FrameWriter(int initialSize = 16 * 1024)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Forgets the written bytes (after they were sent) and zeroes them: they may include response plaintext.</summary>
    public void Reset()
    {
        Array.Clear(_buffer, 0, _length);
        _length = 0;
    }

    public void WriteSettings(ReadOnlySpan<(SettingsParameter Parameter, uint Value)> settings)
    {
        Span<byte> payload = GetFrameSpan(new FrameHeader(settings.Length * 6, FrameType.Settings, FrameFlags.None, 0));
        for (int i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload[(i * 6)..], (ushort)settings[i].Parameter);
            BinaryPrimitives.WriteUInt32BigEndian(payload[(i * 6 + 2)..], settings[i].Value);
        }
    }

    public void WriteSettingsAck() => GetFrameSpan(new FrameHeader(0, FrameType.Settings, FrameFlags.Ack, 0));

    public void WritePing(FrameFlags flags, ReadOnlySpan<byte> opaqueData) =>
        opaqueData.CopyTo(GetFrameSpan(new FrameHeader(8, FrameType.Ping, flags, 0)));

    public void WriteWindowUpdate(int streamId, int increment) =>
        BinaryPrimitives.WriteUInt32BigEndian(GetFrameSpan(new FrameHeader(4, FrameType.WindowUpdate, FrameFlags.None, streamId)), (uint)increment);

    public void WriteRstStream(int streamId, Http2ErrorCode errorCode) =>
        BinaryPrimitives.WriteUInt32BigEndian(GetFrameSpan(new FrameHeader(4, FrameType.RstStream, FrameFlags.None, streamId)), (uint)errorCode);

    public void WriteGoAway(int lastStreamId, Http2ErrorCode errorCode, ReadOnlySpan<byte> debugData)
    {
        Span<byte> payload = GetFrameSpan(new FrameHeader(8 + debugData.Length, FrameType.GoAway, FrameFlags.None, 0));
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload[4..], (uint)errorCode);
        debugData.CopyTo(payload[8..]);
    }

    /// <summary>HEADERS, then CONTINUATION frames when the block exceeds the peer's SETTINGS_MAX_FRAME_SIZE (RFC 9113 §6.10).</summary>
    public void WriteHeaders(int streamId, ReadOnlySpan<byte> headerBlock, bool endStream, int maxFrameSize)
    {
        FrameType type = FrameType.Headers;
        FrameFlags flags = endStream ? FrameFlags.EndStream : FrameFlags.None;
        do
        {
            int chunk = Math.Min(headerBlock.Length, maxFrameSize);
            FrameFlags frameFlags = chunk == headerBlock.Length ? flags | FrameFlags.EndHeaders : flags;
            headerBlock[..chunk].CopyTo(GetFrameSpan(new FrameHeader(chunk, type, frameFlags, streamId)));
            headerBlock = headerBlock[chunk..];
            type = FrameType.Continuation;
            flags = FrameFlags.None; // END_STREAM belongs to the HEADERS frame only
        }
        while (!headerBlock.IsEmpty);
    }

    /// <summary>One DATA frame; the caller has already split by window and frame size.</summary>
    public void WriteData(int streamId, ReadOnlySpan<byte> data, bool endStream) =>
        data.CopyTo(GetFrameSpan(new FrameHeader(data.Length, FrameType.Data, endStream ? FrameFlags.EndStream : FrameFlags.None, streamId)));

    /// <summary>Hands the written bytes to the caller and takes <paramref name="spare"/> (emptied) as the new buffer.</summary>
    public byte[] Swap(byte[] spare, out int length)
    {
        byte[] written = _buffer;
        length = _length;
        _buffer = spare;
        _length = 0;
        return written;
    }

    public void Dispose()
    {
        Reset();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private Span<byte> GetFrameSpan(FrameHeader header)
    {
        int needed = FrameHeader.Size + header.Length;
        if (_buffer.Length - _length < needed)
        {
            Grow(needed);
        }

        header.Write(_buffer.AsSpan(_length));
        Span<byte> payload = _buffer.AsSpan(_length + FrameHeader.Size, header.Length);
        _length += needed;
        return payload;
    }

    private void Grow(int needed)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        Array.Clear(_buffer, 0, _length);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
