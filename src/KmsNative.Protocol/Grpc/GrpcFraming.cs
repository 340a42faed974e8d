using System.Buffers.Binary;
using Grpc.Core;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// The gRPC length-prefixed message (gRPC over HTTP/2, "Length-Prefixed-Message"):
/// <code>
/// +------------------+-------------------------------+-----------------+
/// | Compressed-Flag  | Message-Length (32, big end.) | Message         |
/// | (8)              |                               | (Length bytes)  |
/// +------------------+-------------------------------+-----------------+
/// </code>
/// </summary>
internal static class GrpcFraming
{
    public const int PrefixSize = 5;

    public static void WritePrefix(Span<byte> destination, int messageLength)
    {
        destination[0] = 0; // never compressed: we advertise grpc-accept-encoding: identity
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)messageLength);
    }

    /// <summary>
    /// Reads the single message of a unary request body. Returns <see cref="StatusCode.OK"/> or the status to
    /// answer with, so a bad body becomes a gRPC error rather than an exception.
    /// </summary>
    public static Status ReadUnaryMessage(ReadOnlySpan<byte> body, int maxMessageSize, out bool compressed, out int offset, out int length)
    {
        compressed = false;
        offset = PrefixSize;
        length = 0;
        if (body.IsEmpty)
        {
            return new Status(StatusCode.Internal, "the request stream ended without a message");
        }

        if (body.Length < PrefixSize)
        {
            return new Status(StatusCode.Internal, "the request message prefix is truncated");
        }

        if (body[0] > 1)
        {
            return new Status(StatusCode.Internal, $"the request message has an invalid compressed flag {body[0]}");
        }

        compressed = body[0] == 1;
        uint declared = BinaryPrimitives.ReadUInt32BigEndian(body[1..]);
        if (declared > (uint)maxMessageSize)
        {
            return new Status(StatusCode.ResourceExhausted, $"the request message of {declared} bytes is larger than the limit of {maxMessageSize} bytes");
        }

        length = (int)declared;
        if (body.Length - PrefixSize < length)
        {
            return new Status(StatusCode.Internal, "the request message is truncated");
        }

        if (body.Length - PrefixSize > length)
        {
            return new Status(StatusCode.Internal, "more than one request message for a unary method");
        }

        return Status.DefaultSuccess;
    }
}
