using System.Text;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Tests.Hpack;

/// <summary>Copies every decoded field, as Latin-1 strings so that any byte value survives the round trip.</summary>
internal sealed class RecordingHandler : IHeaderHandler
{
    public List<(string Name, string Value)> Fields { get; } = [];

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        => Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
}
