using KmsNative.Protocol.Hpack;

namespace KmsNative.Benchmarks.Hpack;

/// <summary>Ignores every field, so what is measured is the decoder alone.</summary>
internal sealed class NoOpHeaderHandler : IHeaderHandler
{
    public static readonly NoOpHeaderHandler Instance = new();

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
    }
}
