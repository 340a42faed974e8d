using System.Buffers;
using Grpc.Core;
using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// Serializes a response message straight after its 5-byte gRPC prefix in one pooled buffer. The buffer may hold
/// a plaintext DEK (Decrypt): it is a <see cref="PooledSecretBuffer"/>, zeroed when outgrown and on <see cref="Dispose"/>.
/// </summary>
internal sealed class ResponseSerializationContext : SerializationContext, IBufferWriter<byte>, IDisposable
{
    private PooledSecretBuffer _buffer;

    public ResponseSerializationContext(ArrayPool<byte>? pool = null)
    {
        _buffer = new PooledSecretBuffer(512, pool);
        _buffer.Advance(GrpcFraming.PrefixSize);
    }

    /// <summary>The prefixed message, ready to be sent as DATA.</summary>
    public ReadOnlySpan<byte> Message
    {
        get
        {
            Span<byte> message = _buffer.WrittenSpan;
            GrpcFraming.WritePrefix(message, message.Length - GrpcFraming.PrefixSize);
            return message;
        }
    }

    public override void Complete(byte[] payload) => _buffer.Append(payload);

    public override IBufferWriter<byte> GetBufferWriter() => this;

    public override void SetPayloadLength(int payloadLength) => _buffer.GetSpan(payloadLength);

    public override void Complete()
    {
    }

    public void Advance(int count) => _buffer.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

    public void Dispose() => _buffer.Dispose();
}
