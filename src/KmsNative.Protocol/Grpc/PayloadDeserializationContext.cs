using System.Buffers;
using Grpc.Core;

namespace KmsNative.Protocol.Grpc;

/// <summary>Hands the request message to the generated parser without copying it.</summary>
internal sealed class PayloadDeserializationContext : DeserializationContext
{
    private readonly ReadOnlyMemory<byte> _payload;

    public PayloadDeserializationContext(ReadOnlyMemory<byte> payload)
    {
        _payload = payload;
    }

    public override int PayloadLength => _payload.Length;

    public override byte[] PayloadAsNewBuffer() => _payload.ToArray();

    public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(_payload);
}
