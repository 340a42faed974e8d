using System.Globalization;
using System.Text;
using Grpc.Core;
using KmsNative.Protocol.Hpack;

namespace KmsNative.Protocol.Grpc;

/// <summary>
/// The HPACK blocks of gRPC responses (gRPC over HTTP/2, "Responses"): Response-Headers, Trailers, and
/// Trailers-Only for errors without a message. The fixed ones are encoded once.
/// </summary>
internal static class GrpcHeaderBlocks
{
    // RFC 7541 Appendix A: static table indexes we use.
    private const int StatusIndex = 8;          // :status 200 (also the :status name)
    private const int ContentTypeIndex = 31;    // content-type

    /// <summary>:status 200, content-type application/grpc, grpc-accept-encoding identity.</summary>
    public static readonly byte[] ResponseHeaders = BuildResponseHeaders();

    /// <summary>grpc-status 0: the trailers of nearly every response.</summary>
    public static readonly byte[] OkTrailers = BuildOkTrailers();

    public static void WriteResponseHeaders(HeaderBlockBuilder block) => block.AppendRaw(ResponseHeaders);

    /// <summary>grpc-status, grpc-message (percent-encoded) and any trailers the handler set.</summary>
    public static void WriteTrailers(HeaderBlockBuilder block, Status status, Metadata? trailers)
    {
        block.AppendLiteral("grpc-status"u8, Encoding.ASCII.GetBytes(((int)status.StatusCode).ToString(CultureInfo.InvariantCulture)));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            block.AppendLiteral("grpc-message"u8, GrpcMessageEncoding.Encode(status.Detail));
        }

        if (trailers is not null)
        {
            foreach (Metadata.Entry entry in trailers)
            {
                byte[] value = entry.IsBinary
                    ? Encoding.ASCII.GetBytes(Convert.ToBase64String(entry.ValueBytes).TrimEnd('='))
                    : Encoding.ASCII.GetBytes(entry.Value);
                block.AppendLiteral(Encoding.ASCII.GetBytes(entry.Key), value);
            }
        }
    }

    /// <summary>An answer that is not gRPC at all (wrong method or content-type): only an HTTP status, plus a gRPC status for gRPC clients.</summary>
    public static void WriteHttpError(HeaderBlockBuilder block, int httpStatus, Status status)
    {
        block.AppendLiteral(StatusIndex, Encoding.ASCII.GetBytes(httpStatus.ToString(CultureInfo.InvariantCulture)));
        WriteTrailers(block, status, trailers: null);
    }

    private static byte[] BuildResponseHeaders()
    {
        Span<byte> buffer = stackalloc byte[128];
        int length = 0;
        Append(HpackEncoder.TryWriteIndexed(StatusIndex, buffer, out int written), ref length, written);
        Append(HpackEncoder.TryWriteLiteralWithoutIndexing(ContentTypeIndex, "application/grpc"u8, buffer[length..], out written), ref length, written);
        Append(HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-accept-encoding"u8, "identity"u8, buffer[length..], out written), ref length, written);
        return buffer[..length].ToArray();
    }

    private static byte[] BuildOkTrailers()
    {
        Span<byte> buffer = stackalloc byte[32];
        Append(HpackEncoder.TryWriteLiteralWithoutIndexingNewName("grpc-status"u8, "0"u8, buffer, out int written), ref written, 0);
        return buffer[..written].ToArray();
    }

    private static void Append(bool fitted, ref int length, int written)
    {
        if (!fitted)
        {
            throw new InvalidOperationException("fixed header block does not fit its buffer");
        }

        length += written;
    }
}
