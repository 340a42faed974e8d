using BenchmarkDotNet.Attributes;
using KmsNative.Benchmarks.Hpack;
using KmsNative.Protocol.Http2;

namespace KmsNative.Benchmarks.Http2;

/// <summary>
/// Splitting one received buffer into frames: what grpc-go sends for one unary call (HEADERS, DATA with
/// END_STREAM) followed by its per-response WINDOW_UPDATE and BDP PING. Budget: 0 B.
/// </summary>
public class FrameReaderBenchmarks
{
    private byte[] _wire = null!;

    [GlobalSetup]
    public void Setup()
    {
        byte[] body = KmsRequests.GrpcBody(KmsRequests.Encrypt());
        var wire = new List<byte>();
        AppendFrame(wire, FrameType.Headers, FrameFlags.EndHeaders, 1, KubeApiServerHeaderBlock.FirstHuffman);
        AppendFrame(wire, FrameType.Data, FrameFlags.EndStream, 1, body);
        AppendFrame(wire, FrameType.WindowUpdate, FrameFlags.None, 0, [0x00, 0x00, 0x00, (byte)body.Length]);
        AppendFrame(wire, FrameType.Ping, FrameFlags.None, 0, [0, 0, 0, 0, 0, 0, 0, 1]);
        _wire = [.. wire];
    }

    [Benchmark]
    public int ReadUnaryCallFrames()
    {
        ReadOnlySpan<byte> buffer = _wire;
        int payloadBytes = 0;
        while (FrameReader.TryRead(ref buffer, Http2Limits.DefaultMaxFrameSize, out FrameHeader header, out ReadOnlySpan<byte> payload))
        {
            payloadBytes += payload.Length + header.StreamId;
        }

        return payloadBytes;
    }

    [Benchmark]
    public int ReadFrameHeader() => FrameHeader.Read(_wire).Length;

    private static void AppendFrame(List<byte> wire, FrameType type, FrameFlags flags, int streamId, byte[] payload)
    {
        byte[] header = new byte[FrameHeader.Size];
        new FrameHeader(payload.Length, type, flags, streamId).Write(header);
        wire.AddRange(header);
        wire.AddRange(payload);
    }
}
