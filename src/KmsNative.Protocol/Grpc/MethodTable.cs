using System.Text;

namespace KmsNative.Protocol.Grpc;

/// <summary>Finds a bound method by the request's :path bytes without allocating a string.</summary>
internal sealed class MethodTable
{
    private readonly Dictionary<string, IUnaryMethod>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public MethodTable(Dictionary<string, IUnaryMethod> methods)
    {
        _lookup = new Dictionary<string, IUnaryMethod>(methods, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool TryGet(ReadOnlySpan<byte> path, out IUnaryMethod? method)
    {
        method = null;
        if (path.Length > 256)
        {
            return false; // no method of ours has a path that long
        }

        Span<char> chars = stackalloc char[path.Length];
        // Latin-1 widening is exact for ASCII and maps every other byte to a char no method name contains.
        int count = Encoding.Latin1.GetChars(path, chars);
        return _lookup.TryGetValue(chars[..count], out method);
    }
}
