using System.Buffers;
using System.Text;
using KmsNative.Protocol.Buffers;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// The decoded request header fields of one stream, copied into one pooled arena so they outlive the HPACK
/// decoder's scratch buffer. Pseudo-headers and the few fields the server reads have their own slots; every
/// other field is kept in order for <see cref="Grpc.Core.ServerCallContext.RequestHeaders"/>.
/// Written only by the connection's read loop before the request is dispatched; read-only afterwards.
/// </summary>
internal sealed class RequestHeaders : IDisposable
{
    private PooledSecretBuffer _arena;
    private Range _method, _scheme, _path, _authority, _contentType, _contentLength;
    private Range[] _fields = new Range[16]; // pairs: name, value
    private int _fieldCount;

    /// <param name="pool">Where the arena is rented (<see cref="ArrayPool{T}.Shared"/> when null): the connection's pool.</param>
    public RequestHeaders(ArrayPool<byte>? pool = null)
    {
        _arena = new PooledSecretBuffer(0, pool);
    }

    public ReadOnlySpan<byte> Method => Get(_method);
    public ReadOnlySpan<byte> Scheme => Get(_scheme);
    public ReadOnlySpan<byte> Path => Get(_path);
    public ReadOnlySpan<byte> Authority => Get(_authority);
    public ReadOnlySpan<byte> ContentType => Get(_contentType);
    public ReadOnlySpan<byte> ContentLength => Get(_contentLength);
    public bool HasMethod { get; private set; }
    public bool HasScheme { get; private set; }
    public bool HasPath { get; private set; }
    public bool HasAuthority { get; private set; }
    public bool HasContentLength { get; private set; }

    /// <summary>Fields other than pseudo-headers, content-type and te, in the order received.</summary>
    public int FieldCount => _fieldCount;

    public ReadOnlySpan<byte> GetFieldName(int index) => Get(_fields[index * 2]);

    public ReadOnlySpan<byte> GetFieldValue(int index) => Get(_fields[index * 2 + 1]);

    /// <summary>The value of the first field named <paramref name="name"/> (lowercase), or an empty span.</summary>
    public bool TryGetField(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < _fieldCount; i++)
        {
            if (GetFieldName(i).SequenceEqual(name))
            {
                value = GetFieldValue(i);
                return true;
            }
        }

        value = default;
        return false;
    }

    public string PathString => Encoding.ASCII.GetString(Path);

    internal void SetMethod(ReadOnlySpan<byte> value) => (_method, HasMethod) = (Append(value), true);
    internal void SetScheme(ReadOnlySpan<byte> value) => (_scheme, HasScheme) = (Append(value), true);
    internal void SetPath(ReadOnlySpan<byte> value) => (_path, HasPath) = (Append(value), true);
    internal void SetAuthority(ReadOnlySpan<byte> value) => (_authority, HasAuthority) = (Append(value), true);
    internal void SetContentType(ReadOnlySpan<byte> value) => _contentType = Append(value);
    internal void SetContentLength(ReadOnlySpan<byte> value) => (_contentLength, HasContentLength) = (Append(value), true);

    internal void AddField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_fieldCount * 2 == _fields.Length)
        {
            Array.Resize(ref _fields, _fields.Length * 2);
        }

        _fields[_fieldCount * 2] = Append(name);
        _fields[_fieldCount * 2 + 1] = Append(value);
        _fieldCount++;
    }

    /// <summary>Zeroes and returns the arena: request metadata may carry a token. Idempotent.</summary>
    public void Dispose() => _arena.Dispose();

    private ReadOnlySpan<byte> Get(Range range) => _arena.WrittenSpan[range];

    private Range Append(ReadOnlySpan<byte> value)
    {
        int start = _arena.Length;
        _arena.Append(value);
        return new Range(start, _arena.Length);
    }
}
