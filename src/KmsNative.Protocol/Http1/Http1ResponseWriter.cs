using System.Buffers;
using System.Globalization;
using System.Text;

namespace KmsNative.Protocol.Http1;

/// <summary>
/// Writes a whole HTTP/1.1 response (RFC 9112 §4 status line, §6.2 Content-Length). Pure: bytes out, no I/O.
/// <code>
///   HTTP/1.1 200 OK\r\n
///   Content-Type: text/plain; charset=utf-8\r\n
///   Content-Length: 2\r\n
///   X-Content-Type-Options: nosniff\r\n
///   Cache-Control: no-store\r\n
///   [Connection: close\r\n]
///   \r\n
///   ok
/// </code>
/// </summary>
internal static class Http1ResponseWriter
{
    /// <param name="includeBody">False for HEAD: the headers describe the body that GET would get (RFC 9110 §9.3.2).</param>
    public static void Write(IBufferWriter<byte> output, Http1Response response, bool close, bool includeBody = true, string? allow = null)
    {
        var head = new StringBuilder(160);
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.StatusCode} {ReasonPhrase(response.StatusCode)}\r\n");
        head.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {response.Body.Length}\r\n");
        head.Append("X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n");
        if (allow is not null)
        {
            head.Append("Allow: ").Append(allow).Append("\r\n");
        }

        if (close)
        {
            head.Append("Connection: close\r\n");
        }

        head.Append("\r\n");
        int length = Encoding.ASCII.GetByteCount(head.ToString());
        Encoding.ASCII.GetBytes(head.ToString(), output.GetSpan(length));
        output.Advance(length);
        if (includeBody && !response.Body.IsEmpty)
        {
            output.Write(response.Body.Span);
        }
    }

    public static string ReasonPhrase(int statusCode) => statusCode switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    };
}
