using System.Buffers.Binary;
using System.Net.Sockets;
using KmsNative.Protocol.Hpack;
using KmsNative.Protocol.Http2;

namespace KmsNative.Benchmarks.EndToEnd;

/// <summary>
/// The smallest HTTP/2 client that makes unary gRPC calls one at a time on one unix-socket connection, with
/// blocking socket calls and pre-built request frames, so it allocates nothing per call: the allocated bytes a
/// benchmark reports are the server's. Not thread-safe.
/// </summary>
internal sealed class RawHttp2Client : IDisposable
{
    // RFC 9113 §3.4 preface, an empty SETTINGS (grpc-go's), and a connection WINDOW_UPDATE to 2^30 (§6.9).
    private const int ConnectionWindowIncrement = (1 << 30) - 65_535;

    private readonly Socket _socket;
    private readonly byte[] _receive = new byte[64 * 1024];
    private readonly byte[] _response = new byte[64 * 1024];
    private readonly byte[] _control = new byte[64];
    private readonly HpackDecoder _trailerDecoder = new();
    private readonly TrailerHandler _trailers = new();
    private int _received;
    private int _nextStreamId = 1;
    private long _unacknowledgedData;

    public RawHttp2Client(string socketPath)
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        byte[] start = new byte[24 + FrameHeader.Size + FrameHeader.Size + 4];
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.CopyTo(start);
        new FrameHeader(0, FrameType.Settings, FrameFlags.None, 0).Write(start.AsSpan(24));
        new FrameHeader(4, FrameType.WindowUpdate, FrameFlags.None, 0).Write(start.AsSpan(24 + FrameHeader.Size));
        BinaryPrimitives.WriteInt32BigEndian(start.AsSpan(24 + 2 * FrameHeader.Size), ConnectionWindowIncrement);
        _socket.Send(start);
    }

    /// <summary>HEADERS (END_HEADERS) + DATA (END_STREAM) for one call; the stream ids are patched per call.</summary>
    public static byte[] BuildRequest(string path, byte[] grpcBody)
    {
        var block = new List<byte> { 0x83, 0x86 }; // :method POST, :scheme http
        // RFC 7541 §6.2.2, literal without indexing: the server's table stays empty, every call decodes the same.
        AppendLiteral(block, 4, path);
        AppendLiteral(block, 1, "localhost");
        AppendLiteral(block, 31, "application/grpc");
        AppendLiteral(block, 58, "grpc-go/1.33.0");
        AppendLiteral(block, 0, "trailers", "te");
        AppendLiteral(block, 0, "2995457u", "grpc-timeout");

        byte[] request = new byte[2 * FrameHeader.Size + block.Count + grpcBody.Length];
        new FrameHeader(block.Count, FrameType.Headers, FrameFlags.EndHeaders, 1).Write(request);
        block.CopyTo(request, FrameHeader.Size);
        int data = FrameHeader.Size + block.Count;
        new FrameHeader(grpcBody.Length, FrameType.Data, FrameFlags.EndStream, 1).Write(request.AsSpan(data));
        grpcBody.CopyTo(request, data + FrameHeader.Size);
        return request;
    }

    /// <summary>
    /// Sends one pre-built request and blocks until its trailers arrive. Returns the response message (after the
    /// 5-byte gRPC prefix), valid until the next call.
    /// </summary>
    /// <exception cref="InvalidOperationException">The call did not end with grpc-status 0.</exception>
    public ReadOnlySpan<byte> Call(byte[] request)
    {
        int streamId = _nextStreamId;
        _nextStreamId += 2;
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(5), streamId);
        int headersLength = (request[0] << 16) | (request[1] << 8) | request[2];
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(FrameHeader.Size + headersLength + 5), streamId);
        _socket.Send(request);

        int responseLength = 0;
        while (true)
        {
            ReadOnlySpan<byte> buffered = _receive.AsSpan(0, _received);
            int before = buffered.Length;
            while (FrameReader.TryRead(ref buffered, Http2Limits.MaxWindowSize >> 7, out FrameHeader header, out ReadOnlySpan<byte> payload))
            {
                if (OnFrame(header, payload, streamId, ref responseLength))
                {
                    Consume(before - buffered.Length);
                    ReplenishWindow();
                    return _response.AsSpan(5, Math.Max(0, responseLength - 5));
                }
            }

            Consume(before - buffered.Length);
            int read = _socket.Receive(_receive.AsSpan(_received));
            if (read == 0)
            {
                throw new InvalidOperationException("the server closed the connection");
            }

            _received += read;
        }
    }

    public void Dispose() => _socket.Dispose();

    // Returns true when the frame ends our stream.
    private bool OnFrame(FrameHeader header, ReadOnlySpan<byte> payload, int streamId, ref int responseLength)
    {
        switch (header.Type)
        {
            case FrameType.Settings when !header.HasFlag(FrameFlags.Ack):
                SendControl(FrameType.Settings, FrameFlags.Ack, default); // RFC 9113 §6.5.3
                return false;
            case FrameType.Ping when !header.HasFlag(FrameFlags.Ack):
                SendControl(FrameType.Ping, FrameFlags.Ack, payload);      // §6.7
                return false;
            case FrameType.GoAway:
                throw new InvalidOperationException("the server sent GOAWAY");
            case FrameType.RstStream when header.StreamId == streamId:
                throw new InvalidOperationException("the server reset the stream");
            case FrameType.Data when header.StreamId == streamId:
                payload.CopyTo(_response.AsSpan(responseLength));
                responseLength += payload.Length;
                _unacknowledgedData += header.Length;
                return header.HasFlag(FrameFlags.EndStream);
            case FrameType.Headers when header.StreamId == streamId && header.HasFlag(FrameFlags.EndStream):
                _trailers.Reset();
                _trailerDecoder.Decode(payload, _trailers);
                if (!_trailers.Ok)
                {
                    throw new InvalidOperationException("the call ended with a non-zero grpc-status");
                }

                return true;
            default:
                return false;
        }
    }

    private void ReplenishWindow()
    {
        // §6.9: give the connection window back in large steps, well before the 2^30 we granted runs out.
        if (_unacknowledgedData < 1 << 20)
        {
            return;
        }

        Span<byte> increment = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(increment, (int)_unacknowledgedData);
        SendControl(FrameType.WindowUpdate, FrameFlags.None, increment);
        _unacknowledgedData = 0;
    }

    private void SendControl(FrameType type, FrameFlags flags, ReadOnlySpan<byte> payload)
    {
        new FrameHeader(payload.Length, type, flags, 0).Write(_control);
        payload.CopyTo(_control.AsSpan(FrameHeader.Size));
        _socket.Send(_control.AsSpan(0, FrameHeader.Size + payload.Length));
    }

    private void Consume(int count)
    {
        if (count == 0)
        {
            return;
        }

        _receive.AsSpan(count, _received - count).CopyTo(_receive);
        _received -= count;
    }

    private static void AppendLiteral(List<byte> block, int nameIndex, string value, string? name = null)
    {
        Span<byte> prefix = stackalloc byte[8];
        IntegerCodec.TryEncode(nameIndex, prefixBits: 4, flags: 0x00, prefix, out int written); // 0000xxxx
        block.AddRange(prefix[..written]);
        if (name is not null)
        {
            block.Add((byte)name.Length);
            block.AddRange(System.Text.Encoding.ASCII.GetBytes(name));
        }

        block.Add((byte)value.Length);
        block.AddRange(System.Text.Encoding.ASCII.GetBytes(value));
    }

    private sealed class TrailerHandler : IHeaderHandler
    {
        public bool Ok { get; private set; }

        public void Reset() => Ok = false;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            if (name.SequenceEqual("grpc-status"u8))
            {
                Ok = value.SequenceEqual("0"u8);
            }
        }
    }
}
