using Grpc.Core;
using KmsNative.Protocol.Grpc;

namespace KmsNative.Fuzz.Targets;

/// <summary>
/// The unary request body's 5-byte prefix. ReadUnaryMessage reports a bad body as a status, so no exception is
/// expected at all; an accepted body's message must lie exactly inside it.
/// </summary>
internal static class GrpcFramingTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        // Byte 0 picks the limit: the server's default (4 MiB) or a small one, so the RESOURCE_EXHAUSTED path is reached.
        if (input.IsEmpty)
        {
            return;
        }

        int maxMessageSize = (input[0] & 1) == 0 ? 4 * 1024 * 1024 : input[0] >> 1;
        ReadOnlySpan<byte> body = input[1..];
        Status status = GrpcFraming.ReadUnaryMessage(body, maxMessageSize, out bool compressed, out int offset, out int length);
        if (status.StatusCode == StatusCode.OK)
        {
            Invariant.Check(offset == GrpcFraming.PrefixSize && length >= 0 && offset + length == body.Length, "message outside the body");
            Invariant.Check(length <= maxMessageSize, "message above the limit accepted");
            Invariant.Check(compressed == (body[0] == 1), "compressed flag misread");
            _ = body.Slice(offset, length);
        }
        else
        {
            Invariant.Check(status.StatusCode is StatusCode.Internal or StatusCode.ResourceExhausted, $"unexpected status {status.StatusCode}");
        }
    }
}
