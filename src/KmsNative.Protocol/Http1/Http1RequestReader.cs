using System.Text;

namespace KmsNative.Protocol.Http1;

/// <summary>
/// Reads an HTTP/1.1 request head (RFC 9112) for the health and metrics endpoints. Pure: bytes in, a request or an
/// error out; no I/O and no state between calls. Bodies are not supported (probes and scrapes never send one).
/// </summary>
/// <remarks>
/// <code>
///   request-line   = method SP request-target SP HTTP-version CRLF     (RFC 9112 §3)
///   field-line     = field-name ":" OWS field-value OWS CRLF           (RFC 9112 §5)
///   request head   = request-line *( field-line ) CRLF
/// </code>
/// Stricter than the RFC allows in a few places, each safe for a probe: a bare LF, obs-fold and whitespace before
/// the colon are refused (§2.2, §5.1, §5.2 permit or require that), and a request with a body is refused.
/// </remarks>
internal static class Http1RequestReader
{
    /// <summary>
    /// Reads one request head from the start of <paramref name="buffer"/>. Returns <see cref="Http1ReadStatus.NeedMoreData"/>
    /// while the head is incomplete and within the limits; <see cref="Http1ReadStatus.Error"/> as soon as the bytes
    /// seen so far are malformed or over a limit, even before the head is complete.
    /// </summary>
    /// <param name="consumed">On success, the length of the head, including any empty lines before it.</param>
    public static Http1ReadStatus TryRead(ReadOnlySpan<byte> buffer, Http1Limits limits, out Http1Request? request, out int consumed, out Http1Error error)
    {
        request = null;
        consumed = 0;
        error = Http1Error.None;

        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received before the request-line.
        int start = 0;
        while (buffer.Length - start >= 2 && buffer[start] == '\r' && buffer[start + 1] == '\n' && start < limits.MaxRequestLineLength)
        {
            start += 2;
        }

        ReadOnlySpan<byte> rest = buffer[start..];
        int lineEnd = rest.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            if (rest.Length > limits.MaxRequestLineLength + 1)
            {
                return Fail(414, "the request line is longer than " + limits.MaxRequestLineLength + " bytes", out error);
            }

            return Incomplete(rest, 0, limits, out error);
        }

        if (!TryTrimCr(rest[..lineEnd], out ReadOnlySpan<byte> line))
        {
            return Fail(400, "a line ends in a bare LF", out error);
        }

        if (line.Length > limits.MaxRequestLineLength)
        {
            return Fail(414, "the request line is longer than " + limits.MaxRequestLineLength + " bytes", out error);
        }

        if (!TryParseRequestLine(line, out string method, out string path, out string query, out bool http11, out error))
        {
            return Http1ReadStatus.Error;
        }

        int offset = lineEnd + 1; // within rest
        int headerCount = 0;
        int hostCount = 0;
        bool close = !http11;
        while (true)
        {
            ReadOnlySpan<byte> remaining = rest[offset..];
            int end = remaining.IndexOf((byte)'\n');
            if (end < 0)
            {
                return Incomplete(rest, offset, limits, out error);
            }

            if (offset + end + 1 > limits.MaxRequestHeadSize)
            {
                return Fail(431, "the request head is larger than " + limits.MaxRequestHeadSize + " bytes", out error);
            }

            if (!TryTrimCr(remaining[..end], out ReadOnlySpan<byte> field))
            {
                return Fail(400, "a line ends in a bare LF", out error);
            }

            offset += end + 1;
            if (field.IsEmpty)
            {
                break;
            }

            // RFC 9112 §5.2: obs-fold (a line starting with SP or HTAB) may be rejected with 400.
            if (field[0] is (byte)' ' or (byte)'\t')
            {
                return Fail(400, "folded header lines (obs-fold) are not accepted", out error);
            }

            if (++headerCount > limits.MaxHeaderCount)
            {
                return Fail(431, "more than " + limits.MaxHeaderCount + " header fields", out error);
            }

            int colon = field.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(field[..colon]))
            {
                // RFC 9112 §5.1: no whitespace between the field name and the colon; 400.
                return Fail(400, "a header line is not 'name: value'", out error);
            }

            ReadOnlySpan<byte> name = field[..colon];
            ReadOnlySpan<byte> value = field[(colon + 1)..].Trim(" \t"u8);
            if (!IsFieldValue(value))
            {
                return Fail(400, "a header value holds a control character", out error);
            }

            if (Ascii.EqualsIgnoreCase(name, "host"u8))
            {
                hostCount++;
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                close = HasToken(value, "close"u8) || (!http11 && !HasToken(value, "keep-alive"u8));
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                // RFC 9112 §6.1: a server that does not understand a transfer coding answers 501. We take no bodies.
                return Fail(501, "request bodies (Transfer-Encoding) are not supported", out error);
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (value.IsEmpty || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                {
                    return Fail(400, "Content-Length is not a number", out error);
                }

                if (value.IndexOfAnyExcept((byte)'0') >= 0)
                {
                    return Fail(413, "request bodies are not accepted", out error);
                }
            }
        }

        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without a Host field, and for any request with more than one.
        if ((http11 && hostCount == 0) || hostCount > 1)
        {
            return Fail(400, hostCount == 0 ? "HTTP/1.1 requires a Host header" : "more than one Host header", out error);
        }

        request = new Http1Request(method, path, query, http11, KeepAlive: !close);
        consumed = start + offset;
        return Http1ReadStatus.Complete;
    }

    private static bool TryParseRequestLine(ReadOnlySpan<byte> line, out string method, out string path, out string query, out bool http11, out Http1Error error)
    {
        method = path = query = "";
        http11 = false;
        int firstSpace = line.IndexOf((byte)' ');
        int lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace == firstSpace)
        {
            Fail(400, "the request line is not 'METHOD target HTTP/1.1'", out error);
            return false;
        }

        ReadOnlySpan<byte> methodBytes = line[..firstSpace];
        ReadOnlySpan<byte> target = line[(firstSpace + 1)..lastSpace];
        ReadOnlySpan<byte> version = line[(lastSpace + 1)..];
        if (!IsToken(methodBytes))
        {
            Fail(400, "the method is not a token", out error);
            return false;
        }

        // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; case-sensitive.
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || !char.IsAsciiDigit((char)version[5]) || version[6] != '.' || !char.IsAsciiDigit((char)version[7]))
        {
            Fail(400, "the HTTP version is malformed", out error);
            return false;
        }

        if (version[5] != '1' || version[7] is not ((byte)'0' or (byte)'1'))
        {
            Fail(505, "only HTTP/1.0 and HTTP/1.1 are supported", out error);
            return false;
        }

        http11 = version[7] == '1';

        // One SP between the parts (§3): a second space would put it inside the target.
        if (target.IsEmpty || target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
        {
            Fail(400, "the request target is empty or holds spaces or control characters", out error);
            return false;
        }

        // RFC 9112 §3.2.2: a server MUST accept the absolute-form; we keep only its path and query.
        if (target.StartsWith("http://"u8) || target.StartsWith("https://"u8))
        {
            int authority = target.IndexOf("//"u8) + 2;
            int slash = target[authority..].IndexOfAny((byte)'/', (byte)'?');
            target = slash < 0 ? "/"u8 : target[(authority + slash)..];
            if (target[0] == '?')
            {
                path = "/";
                query = Encoding.ASCII.GetString(target[1..]);
                method = Encoding.ASCII.GetString(methodBytes);
                error = Http1Error.None;
                return true;
            }
        }

        if (target[0] != '/')
        {
            Fail(400, "the request target is not a path (origin-form)", out error);
            return false;
        }

        int question = target.IndexOf((byte)'?');
        path = Encoding.ASCII.GetString(question < 0 ? target : target[..question]);
        query = question < 0 ? "" : Encoding.ASCII.GetString(target[(question + 1)..]);
        method = Encoding.ASCII.GetString(methodBytes);
        error = Http1Error.None;
        return true;
    }

    private static Http1ReadStatus Incomplete(ReadOnlySpan<byte> rest, int offset, Http1Limits limits, out Http1Error error)
    {
        if (rest.Length >= limits.MaxRequestHeadSize)
        {
            return Fail(431, "the request head is larger than " + limits.MaxRequestHeadSize + " bytes", out error);
        }

        // A CR must be followed by LF; anything else is a bare CR (RFC 9112 §2.2).
        int cr = rest[offset..].IndexOf((byte)'\r');
        if (cr >= 0 && offset + cr + 1 < rest.Length)
        {
            return Fail(400, "a bare CR in the request head", out error);
        }

        error = Http1Error.None;
        return Http1ReadStatus.NeedMoreData;
    }

    private static bool TryTrimCr(ReadOnlySpan<byte> lineWithCr, out ReadOnlySpan<byte> line)
    {
        line = default;
        if (lineWithCr.IsEmpty || lineWithCr[^1] != '\r')
        {
            return false;
        }

        line = lineWithCr[..^1];
        return line.IndexOf((byte)'\r') < 0; // a CR inside the line is a bare CR
    }

    private static Http1ReadStatus Fail(int statusCode, string reason, out Http1Error error)
    {
        error = new Http1Error(statusCode, reason);
        return Http1ReadStatus.Error;
    }

    // RFC 9110 §5.6.2: token = 1*tchar; tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
    // "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static bool IsToken(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (byte b in value)
        {
            bool tchar = char.IsAsciiLetterOrDigit((char)b) || b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&'
                or (byte)'\'' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
            if (!tchar)
            {
                return false;
            }
        }

        return true;
    }

    // RFC 9110 §5.5: field-value = VCHAR / obs-text / SP / HTAB between them; no other control characters.
    private static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != '\t') || b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    // A comma-separated list of tokens (Connection), compared without case.
    private static bool HasToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (Range range in list.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(list[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }
}
