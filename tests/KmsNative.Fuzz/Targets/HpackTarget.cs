using KmsNative.Protocol.Grpc;
using KmsNative.Protocol.Hpack;
using KmsNative.Protocol.Http2;

namespace KmsNative.Fuzz.Targets;

/// <summary>
/// One connection's HPACK decoder fed consecutive header blocks (so dynamic-table references across blocks are
/// reached), each into the connection's real handler, <see cref="RequestHeaderCollector"/>; a grpc-timeout it keeps
/// goes on to <see cref="GrpcTimeout"/> as the dispatcher's would. Expected: <see cref="HpackDecodingException"/>.
/// </summary>
internal static class HpackTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        // Byte 0 picks the limits: our default table (4096) or a small one (256, the RFC 7541 C.5/C.6 size) or none,
        // and the default header list limit or a small one, so eviction and the "list too large" path are reached.
        byte config = input[0];
        int tableSize = (config & 3) switch { 0 or 1 => 4096, 2 => 256, _ => 0 };
        int listLimit = (config & 4) == 0 ? 16 * 1024 : 64;
        var decoder = new HpackDecoder(tableSize, listLimit);
        var collector = new RequestHeaderCollector();
        var chunks = new Chunks(input[1..]);
        int blockNumber = 0;
        try
        {
            while (chunks.TryNext(out ReadOnlySpan<byte> block))
            {
                using var headers = new RequestHeaders();
                // Bit 3 onwards: which blocks are trailers (checked, nothing kept) rather than request headers.
                bool trailers = ((config >> (3 + blockNumber % 5)) & 1) != 0;
                if (trailers)
                {
                    collector.BeginTrailers();
                }
                else
                {
                    collector.Begin(headers);
                }

                decoder.Decode(block, collector);
                collector.End();
                blockNumber++;
                Invariant.Check(decoder.DynamicTable.Size <= decoder.DynamicTable.MaxSize, "dynamic table above its maximum size");
                Invariant.Check(decoder.DynamicTable.MaxSize <= tableSize, "dynamic table size update above SETTINGS_HEADER_TABLE_SIZE accepted");
                if (collector.Error is null && headers.TryGetField("grpc-timeout"u8, out ReadOnlySpan<byte> timeout)
                    && GrpcTimeout.TryParse(timeout, out TimeSpan parsed))
                {
                    Invariant.Check(parsed >= TimeSpan.Zero, "negative grpc-timeout");
                }
            }
        }
        catch (HpackDecodingException)
        {
            // COMPRESSION_ERROR: the documented rejection.
        }
    }
}
