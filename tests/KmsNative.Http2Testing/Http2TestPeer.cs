using System.Buffers.Binary;
using System.Text;
using KmsNative.Protocol.Hpack;
using KmsNative.Protocol.Http2;

namespace KmsNative.Http2Testing;

/// <summary>
/// The client side of a test connection, over a socket or an in-memory duplex: builds frames byte by byte (independently of the server's FrameWriter),
/// sends them, and reads the server's frames with a bounded wait. Response header blocks are decoded with our
/// HpackDecoder; request blocks are built with our HpackEncoder.
/// </summary>
internal sealed class Http2TestPeer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private readonly Stream _stream;
    private readonly HpackDecoder _decoder = new();
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public Http2TestPeer(Stream stream)
    {
        _stream = stream;
    }

    // ---- building ----

    public static byte[] Frame(FrameType type, FrameFlags flags, int streamId, ReadOnlySpan<byte> payload, int? declaredLength = null)
    {
        byte[] frame = new byte[9 + payload.Length];
        int length = declaredLength ?? payload.Length;
        frame[0] = (byte)(length >> 16);
        frame[1] = (byte)(length >> 8);
        frame[2] = (byte)length;
        frame[3] = (byte)type;
        frame[4] = (byte)flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    public static byte[] Settings(params (SettingsParameter Parameter, uint Value)[] settings)
    {
        byte[] payload = new byte[settings.Length * 6];
        for (int i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), (ushort)settings[i].Parameter);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(i * 6 + 2), settings[i].Value);
        }

        return Frame(FrameType.Settings, FrameFlags.None, 0, payload);
    }

    public static byte[] WindowUpdate(int streamId, uint increment)
    {
        byte[] payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, increment);
        return Frame(FrameType.WindowUpdate, FrameFlags.None, streamId, payload);
    }

    public static byte[] RstStream(int streamId, Http2ErrorCode code)
    {
        byte[] payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        return Frame(FrameType.RstStream, FrameFlags.None, streamId, payload);
    }

    public static byte[] Ping(ReadOnlySpan<byte> opaque, bool ack = false) =>
        Frame(FrameType.Ping, ack ? FrameFlags.Ack : FrameFlags.None, 0, opaque);

    public static byte[] Data(int streamId, ReadOnlySpan<byte> data, bool endStream) =>
        Frame(FrameType.Data, endStream ? FrameFlags.EndStream : FrameFlags.None, streamId, data);

    /// <summary>HEADERS with END_HEADERS carrying <paramref name="fields"/> as literals without indexing.</summary>
    public static byte[] Headers(int streamId, bool endStream, params (string Name, string Value)[] fields) =>
        Frame(FrameType.Headers, FrameFlags.EndHeaders | (endStream ? FrameFlags.EndStream : FrameFlags.None), streamId, HeaderBlock(fields));

    public static byte[] HeaderBlock(params (string Name, string Value)[] fields)
    {
        byte[] block = new byte[64 * 1024];
        int length = 0;
        foreach ((string name, string value) in fields)
        {
            if (!HpackEncoder.TryWriteLiteralWithoutIndexingNewName(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value), block.AsSpan(length), out int written))
            {
                throw new InvalidOperationException("header block too large for the test buffer");
            }

            length += written;
        }

        return block[..length];
    }

    public static (string, string)[] GrpcRequest(string path, params (string, string)[] extra) =>
    [
        (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
        ("content-type", "application/grpc"), ("te", "trailers"), .. extra,
    ];

    /// <summary>The gRPC length prefix (not compressed) followed by <paramref name="message"/>.</summary>
    public static byte[] GrpcMessage(ReadOnlySpan<byte> message, byte compressedFlag = 0)
    {
        byte[] framed = new byte[5 + message.Length];
        framed[0] = compressedFlag;
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), message.Length);
        message.CopyTo(framed.AsSpan(5));
        return framed;
    }

    // ---- sending ----

    /// <summary>
    /// Writes the parts as one write. A hostile peer's write may fail because the server already hung up on it;
    /// that is recorded in <see cref="SendFailed"/> rather than thrown, and the test then reads what the server said.
    /// </summary>
    public async Task SendAsync(params byte[][] parts)
    {
        byte[] all = [.. parts.SelectMany(p => p)];
        try
        {
            await _stream.WriteAsync(all);
            await _stream.FlushAsync();
        }
        catch (IOException)
        {
            SendFailed = true;
        }
    }

    public bool SendFailed { get; private set; }

    /// <summary>Half-closes the socket: the server reads end-of-stream, as from a client that has nothing more to say.</summary>
    public void ShutdownSend() => (_stream as System.Net.Sockets.NetworkStream)?.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

    /// <summary>The client preface and a SETTINGS frame with <paramref name="settings"/>.</summary>
    public Task SendPrefaceAsync(params (SettingsParameter, uint)[] settings) => SendAsync(Preface.ToArray(), Settings(settings));

    // ---- reading ----

    /// <summary>The next frame, or null when the server closed the connection. Throws TimeoutException after <see cref="Timeout"/>.</summary>
    public async Task<TestFrame?> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            if (_end - _start >= 9)
            {
                int length = (_buffer[_start] << 16) | (_buffer[_start + 1] << 8) | _buffer[_start + 2];
                if (_end - _start >= 9 + length)
                {
                    var frame = new TestFrame((FrameType)_buffer[_start + 3], (FrameFlags)_buffer[_start + 4],
                        BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start + 5)) & 0x7FFF_FFFF, _buffer.AsSpan(_start + 9, length).ToArray());
                    _start += 9 + length;
                    return frame;
                }

                if (_buffer.Length < 9 + length)
                {
                    Array.Resize(ref _buffer, 9 + length);
                }
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_end, _start) = (_end - _start, 0);
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"no frame from the server within {Timeout}");
            }
            catch (IOException)
            {
                return null; // reset by the server: as good as closed
            }

            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }

    /// <summary>Reads until a frame matches, skipping others; fails on close.</summary>
    public async Task<TestFrame> ReadUntilAsync(Func<TestFrame, bool> match)
    {
        while (true)
        {
            TestFrame frame = await ReadFrameAsync() ?? throw new InvalidOperationException("the server closed the connection");
            if (match(frame))
            {
                return frame;
            }
        }
    }

    /// <summary>Reads until a frame other than SETTINGS, WINDOW_UPDATE or PING ACK; fails on close.</summary>
    public Task<TestFrame> ReadSignificantAsync() =>
        ReadUntilAsync(f => f.Type is not (FrameType.Settings or FrameType.WindowUpdate) && !(f.Type == FrameType.Ping && f.HasFlag(FrameFlags.Ack)));

    /// <summary>Reads frames (any) until the server closes the connection; returns them.</summary>
    public async Task<List<TestFrame>> ReadUntilClosedAsync()
    {
        var frames = new List<TestFrame>();
        while (await ReadFrameAsync() is { } frame)
        {
            frames.Add(frame);
        }

        return frames;
    }

    /// <summary>Reads until GOAWAY, then until the connection closes; returns the GOAWAY.</summary>
    public async Task<TestFrame> ReadGoAwayThenCloseAsync()
    {
        TestFrame goAway = await ReadUntilAsync(f => f.Type == FrameType.GoAway);
        await ReadUntilClosedAsync();
        return goAway;
    }

    /// <summary>Reads one stream's whole response (other streams' frames are skipped): headers, DATA, trailers.</summary>
    public async Task<TestResponse> ReadResponseAsync(int streamId)
    {
        var response = new TestResponse();
        var block = new List<byte>();
        bool ended = false;
        while (true)
        {
            TestFrame frame = await ReadUntilAsync(f => f.StreamId == streamId);
            response.Frames.Add(frame);
            switch (frame.Type)
            {
                case FrameType.RstStream:
                    response.ResetCode = frame.ErrorCode;
                    return response;
                case FrameType.Data:
                    response.Data.AddRange(frame.Payload);
                    break;
                case FrameType.Headers or FrameType.Continuation:
                    block.AddRange(frame.Payload);
                    if (frame.HasFlag(FrameFlags.EndHeaders))
                    {
                        (response.Headers.Count == 0 ? response.Headers : response.Trailers).AddRange(DecodeBlock([.. block]));
                        block.Clear();
                    }

                    break;
            }

            ended |= frame.Type is FrameType.Data or FrameType.Headers && frame.HasFlag(FrameFlags.EndStream);
            if (ended && block.Count == 0)
            {
                return response;
            }
        }
    }

    public List<(string Name, string Value)> DecodeBlock(byte[] block)
    {
        var handler = new CollectingHandler();
        _decoder.Decode(block, handler);
        return handler.Fields;
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private sealed class CollectingHandler : IHeaderHandler
    {
        public List<(string, string)> Fields { get; } = [];

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }
}
