using System.Buffers;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Http2;

/// <summary>
/// Receives decoded request fields, checks the RFC 9113 §8.2–8.3 rules for a request, and copies the fields into
/// the stream's <see cref="RequestHeaders"/>. A rule broken makes the request malformed (§8.1.1: stream error
/// PROTOCOL_ERROR); <see cref="Error"/> says which rule, for the log.
/// Reused by one connection's read loop for every header block.
/// </summary>
internal sealed class RequestHeaderCollector : IHeaderHandler
{
    // RFC 9113 §8.2.1: bytes never allowed in a field name (the leading colon of a pseudo-header is checked apart).
    private static readonly SearchValues<byte> s_invalidNameBytes = SearchValues.Create(
        [.. Enumerable.Range(0x00, 0x21).Select(b => (byte)b), (byte)':', .. Enumerable.Range('A', 26).Select(b => (byte)b),
         .. Enumerable.Range(0x7F, 0x81).Select(b => (byte)b)]);

    private RequestHeaders? _target;
    private bool _regularSeen;
    private bool _trailers;

    public string? Error { get; private set; }

    public void Begin(RequestHeaders target)
    {
        _target = target;
        _trailers = false;
        _regularSeen = false;
        Error = null;
    }

    /// <summary>Checks a trailer block (§8.1): the same field rules, no pseudo-headers, and nothing is kept.</summary>
    public void BeginTrailers()
    {
        _target = null;
        _trailers = true;
        _regularSeen = true;
        Error = null;
    }

    /// <summary>Checks the block as a whole once it is decoded (§8.3.1: required pseudo-headers).</summary>
    public void End()
    {
        if (Error is null && _target is { } headers && !(headers.HasMethod && headers.HasScheme && headers.HasPath))
        {
            Error = "request lacks :method, :scheme or :path";
        }

        _target = null;
        _trailers = false;
    }

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (Error is not null || (_target is null && !_trailers))
        {
            return;
        }

        if (name.IsEmpty)
        {
            Error = "empty field name";
            return;
        }

        // §8.2.1: a name must not contain 0x00-0x20, uppercase 0x41-0x5A or 0x7F-0xFF, nor a colon except as the
        // first byte of a pseudo-header. A value must not contain NUL, CR or LF, nor start or end with SP or HTAB.
        // Any of these makes the request malformed; CR/LF would otherwise reach logs and metadata as injected lines.
        int invalidName = name[(name[0] == (byte)':' ? 1 : 0)..].IndexOfAny(s_invalidNameBytes);
        if (invalidName >= 0)
        {
            Error = name[invalidName + (name[0] == (byte)':' ? 1 : 0)] is >= (byte)'A' and <= (byte)'Z'
                ? "uppercase character in a field name"
                : "invalid character in a field name";
            return;
        }

        if (value.IndexOfAny((byte)0, (byte)'\r', (byte)'\n') >= 0
            || (!value.IsEmpty && (value[0] is (byte)' ' or (byte)'\t' || value[^1] is (byte)' ' or (byte)'\t')))
        {
            Error = "invalid character or surrounding whitespace in a field value";
            return;
        }

        if (_trailers)
        {
            // §8.1: "Trailers MUST NOT include pseudo-header fields"; §8.2.2 holds for them as for headers.
            if (name[0] == (byte)':' || IsConnectionSpecific(name))
            {
                Error = "pseudo-header or connection-specific field in trailers";
            }

            return;
        }

        if (_target is not { } target)
        {
            return;
        }

        if (name[0] == (byte)':')
        {
            OnPseudoHeader(target, name, value);
            return;
        }

        _regularSeen = true;
        if (IsConnectionSpecific(name))
        {
            // §8.2.2: connection-specific fields are not allowed in HTTP/2.
            Error = "connection-specific field";
        }
        else if (name.SequenceEqual("te"u8))
        {
            // §8.2.2: TE may appear but must contain only "trailers".
            if (!value.SequenceEqual("trailers"u8))
            {
                Error = "te other than \"trailers\"";
            }
        }
        else if (name.SequenceEqual("content-type"u8))
        {
            target.SetContentType(value);
        }
        else if (name.SequenceEqual("content-length"u8))
        {
            target.SetContentLength(value);
        }
        else
        {
            target.AddField(name, value);
        }
    }

    private void OnPseudoHeader(RequestHeaders headers, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        // §8.3: pseudo-headers come before regular fields, each at most once, and only the request ones.
        if (_regularSeen)
        {
            Error = "pseudo-header after a regular field";
        }
        else if (name.SequenceEqual(":method"u8))
        {
            if (NotYetSet(headers.HasMethod))
            {
                headers.SetMethod(value);
            }
        }
        else if (name.SequenceEqual(":scheme"u8))
        {
            if (NotYetSet(headers.HasScheme))
            {
                headers.SetScheme(value);
            }
        }
        else if (name.SequenceEqual(":path"u8))
        {
            // §8.3.1: :path must not be empty for http or https URIs.
            if (value.IsEmpty)
            {
                Error = "empty :path";
                return;
            }

            if (NotYetSet(headers.HasPath))
            {
                headers.SetPath(value);
            }
        }
        else if (name.SequenceEqual(":authority"u8))
        {
            if (NotYetSet(headers.HasAuthority))
            {
                headers.SetAuthority(value);
            }
        }
        else
        {
            Error = "unknown or response pseudo-header";
        }
    }

    private bool NotYetSet(bool alreadySet)
    {
        if (alreadySet)
        {
            Error = "duplicate pseudo-header";
        }

        return !alreadySet;
    }

    private static bool IsConnectionSpecific(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("connection"u8) || name.SequenceEqual("keep-alive"u8) || name.SequenceEqual("proxy-connection"u8)
        || name.SequenceEqual("transfer-encoding"u8) || name.SequenceEqual("upgrade"u8);
}
