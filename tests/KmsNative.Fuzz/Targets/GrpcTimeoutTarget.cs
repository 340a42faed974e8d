using KmsNative.Protocol.Grpc;

namespace KmsNative.Fuzz.Targets;

/// <summary>grpc-timeout values: TryParse returns false for a bad one, so no exception is expected at all.</summary>
internal static class GrpcTimeoutTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (GrpcTimeout.TryParse(input, out TimeSpan timeout))
        {
            Invariant.Check(timeout >= TimeSpan.Zero, "negative timeout");
            Invariant.Check(timeout <= TimeSpan.FromMilliseconds(uint.MaxValue - 1), "timeout beyond what a timer can arm");
            // The dispatcher's messages describe the deadline.
            _ = GrpcTimeout.Describe(timeout);
        }
    }
}
