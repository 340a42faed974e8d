using System.Buffers;
using System.Security.Cryptography;
using Grpc.Core;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// Serializes a response message straight after its 5-byte gRPC prefix in one pooled buffer. The buffer may hold
/// a plaintext DEK (Decrypt), so <see cref="Dispose"/> zeroes it before returning it to the pool.
/// </summary>
internal sealed class ResponseSerializationContext : SerializationContext, IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(512);
    private int _length = GrpcFraming.PrefixSize;

    /// <summary>The prefixed message, ready to be sent as DATA.</summary>
    public ReadOnlySpan<byte> Message
    {
        get
        {
            GrpcFraming.WritePrefix(_buffer, _length - GrpcFraming.PrefixSize);
            return _buffer.AsSpan(0, _length);
        }
    }

    public override void Complete(byte[] payload)
    {
        payload.CopyTo(GetSpan(payload.Length));
        Advance(payload.Length);
    }

    public override IBufferWriter<byte> GetBufferWriter() => this;

    public override void SetPayloadLength(int payloadLength) => EnsureRoom(payloadLength);

    public override void Complete()
    {
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _length));
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void EnsureRoom(int bytes)
    {
        if (_buffer.Length - _length >= bytes)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + bytes));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _length));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
