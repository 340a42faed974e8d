using System.Buffers;
using System.Buffers.Binary;
using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// Appends frames to a growable pooled buffer. Not thread-safe: <see cref="Http2Connection"/> holds its lock while writing.
/// DATA frames of Decrypt responses carry DEKs, so the buffer is a <see cref="PooledSecretBuffer"/>: zeroed whenever
/// it is reset, outgrown or returned. Every frame written is charged to the server's <see cref="ByteBudget"/>, when
/// one is given, until it is sent: <see cref="Reset"/> and <see cref="Dispose"/> give back what is still here, and the
/// holder of bytes taken by <see cref="Swap"/> gives them back once they are written to the socket.
/// </summary>
internal sealed class FrameWriter : IDisposable
{
    private readonly ByteBudget? _budget;
    private PooledSecretBuffer _buffer;

    public FrameWriter(int initialSize = 16 * 1024, ArrayPool<byte>? pool = null, ByteBudget? budget = null)
    {
        _budget = budget;
        _buffer = new PooledSecretBuffer(initialSize, pool);
    }

    public int Length => _buffer.Length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    /// <summary>Forgets the written bytes (after they were sent) and zeroes them: they may include response plaintext.</summary>
    public void Reset()
    {
        _budget?.Release(_buffer.Length);
        _buffer.Clear();
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

    /// <summary>
    /// Hands the written bytes over without copying: <paramref name="spare"/> (which should be empty) becomes this
    /// writer's buffer, and <paramref name="spare"/> receives the written one. The bytes stay charged to the budget:
    /// the receiver releases them (<see cref="ByteBudget.Release"/>) once sent or dropped.
    /// </summary>
    public void Swap(ref PooledSecretBuffer spare) => _buffer.Swap(ref spare);

    public void Dispose()
    {
        _budget?.Release(_buffer.Length);
        _buffer.Dispose();
    }

    private Span<byte> GetFrameSpan(FrameHeader header)
    {
        // Charged, never refused: a frame written is one the protocol obliges us to send (the read loop stops reading
        // while the budget is spent, which bounds these; DATA is written only within OutputQueue.Room).
        _budget?.Charge(FrameHeader.Size + header.Length);
        Span<byte> frame = _buffer.GetAppendSpan(FrameHeader.Size + header.Length);
        header.Write(frame);
        return frame[FrameHeader.Size..];
    }
}
