using KmsNative.Protocol.Hpack;
using KmsNative.Protocol.Http2;

namespace KmsNative.Fuzz.Targets;

/// <summary>
/// The read loop's per-frame work without the connection's stream table: FrameReader cuts frames, PayloadReader reads
/// each payload (HEADERS, DATA, SETTINGS, WINDOW_UPDATE, RST_STREAM, GOAWAY, PRIORITY, PING), HeaderBlockAssembler
/// joins HEADERS and CONTINUATION, and the HPACK decoder reads each complete block. Expected:
/// <see cref="Http2ConnectionException"/> (HPACK's error is one). Stream errors are return values, and checked.
/// </summary>
internal static class PayloadTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var decoder = new HpackDecoder();
        var collector = new RequestHeaderCollector();
        using var assembler = new HeaderBlockAssembler();
        ReadOnlySpan<byte> buffer = input;
        try
        {
            while (FrameReader.TryRead(ref buffer, Http2Limits.DefaultMaxFrameSize, out FrameHeader header, out ReadOnlySpan<byte> payload))
            {
                assembler.CheckNextFrame(header);
                switch (header.Type)
                {
                    case FrameType.Data:
                        ReadOnlySpan<byte> data = PayloadReader.ReadData(header, payload);
                        Invariant.Check(data.Length <= payload.Length, "DATA longer than its payload");
                        break;
                    case FrameType.Headers:
                        ReadOnlySpan<byte> fragment = PayloadReader.ReadHeaders(header, payload, out int dependency);
                        Invariant.Check(fragment.Length <= payload.Length && dependency >= 0, "HEADERS fragment or dependency out of range");
                        if (header.HasFlag(FrameFlags.EndHeaders))
                        {
                            Decode(decoder, collector, fragment);
                        }
                        else
                        {
                            assembler.Begin(header.StreamId == 0 ? 1 : header.StreamId, fragment, header.HasFlag(FrameFlags.EndStream),
                                HeaderBlockTarget.NewStream, Http2ErrorCode.NoError);
                        }

                        break;
                    case FrameType.Continuation:
                        if (assembler.Continue(header, payload))
                        {
                            Decode(decoder, collector, assembler.Block);
                            assembler.Clear();
                        }

                        break;
                    case FrameType.Settings:
                        if (!PayloadReader.ReadSettings(header))
                        {
                            ReadOnlySpan<byte> settings = payload;
                            while (PayloadReader.TryReadSetting(ref settings, out _, out _))
                            {
                            }

                            Invariant.Check(settings.IsEmpty, "SETTINGS bytes left after the last parameter");
                        }

                        break;
                    case FrameType.WindowUpdate:
                        int increment = PayloadReader.ReadWindowUpdate(header, payload);
                        Invariant.Check(increment is >= 0 and <= Http2Limits.MaxWindowSize, "WINDOW_UPDATE increment out of range");
                        Invariant.Check(increment != 0 || header.StreamId != 0, "zero WINDOW_UPDATE on stream 0 accepted");
                        break;
                    case FrameType.RstStream:
                        PayloadReader.ReadRstStream(header, payload);
                        break;
                    case FrameType.GoAway:
                        PayloadReader.ReadGoAway(header, payload, out int lastStreamId);
                        Invariant.Check(lastStreamId >= 0, "GOAWAY last stream id with the R bit set");
                        break;
                    case FrameType.Priority:
                        Http2ErrorCode code = PayloadReader.ReadPriority(header, payload);
                        Invariant.Check(code is Http2ErrorCode.NoError or Http2ErrorCode.FrameSizeError or Http2ErrorCode.ProtocolError,
                            "PRIORITY returned an unexpected stream error");
                        break;
                    case FrameType.Ping:
                        PayloadReader.ReadPing(header);
                        break;
                }
            }
        }
        catch (Http2ConnectionException)
        {
            // GOAWAY with the exception's code: the documented rejection.
        }
    }

    private static void Decode(HpackDecoder decoder, RequestHeaderCollector collector, ReadOnlySpan<byte> block)
    {
        using var headers = new RequestHeaders();
        collector.Begin(headers);
        decoder.Decode(block, collector);
        collector.End();
    }
}
