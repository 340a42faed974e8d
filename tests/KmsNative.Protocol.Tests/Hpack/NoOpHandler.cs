using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Tests.Hpack;

/// <summary>Ignores every field: what remains to measure is the decoder itself.</summary>
internal sealed class NoOpHandler : IHeaderHandler
{
    public static readonly NoOpHandler Instance = new();

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
    }
}
