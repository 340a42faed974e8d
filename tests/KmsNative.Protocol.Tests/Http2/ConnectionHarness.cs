using KmsNative.Protocol.Http2;
using KmsNative.Http2Testing;

namespace KmsNative.Protocol.Tests.Http2;

/// <summary>An <see cref="Http2Connection"/> running over an in-memory duplex, with the test peer on the other end.</summary>
internal sealed class ConnectionHarness : IAsyncDisposable
{
    private ConnectionHarness(Http2Connection connection, Http2TestPeer peer, FakeApplication application)
    {
        Connection = connection;
        Peer = peer;
        Application = application;
        Run = Task.Run(connection.RunAsync);
    }

    public Http2Connection Connection { get; }

    public Http2TestPeer Peer { get; }

    public FakeApplication Application { get; }

    public Task Run { get; }

    public List<Http2ConnectionException> Errors { get; } = [];

    public static ConnectionHarness Start(Http2Limits? limits = null, FakeApplication? application = null, TimeProvider? time = null)
    {
        (PipeDuplexStream client, PipeDuplexStream server) = PipeDuplexStream.CreatePair();
        application ??= new FakeApplication();
        var connection = new Http2Connection(server, application, limits ?? new Http2Limits(), "test", time ?? TimeProvider.System);
        var harness = new ConnectionHarness(connection, new Http2TestPeer(client), application);
        connection.ConnectionErrors += (_, error) => harness.Errors.Add(error);
        return harness;
    }

    /// <summary>Sends the client preface and SETTINGS, and reads the server's preface up to its SETTINGS ACK.</summary>
    public static async Task<ConnectionHarness> StartHandshakenAsync(Http2Limits? limits = null, FakeApplication? application = null,
        TimeProvider? time = null, params (SettingsParameter, uint)[] settings)
    {
        ConnectionHarness harness = Start(limits, application, time);
        await harness.Peer.SendPrefaceAsync(settings);
        await harness.Peer.ReadUntilAsync(f => f.Type == FrameType.Settings && f.HasFlag(FrameFlags.Ack));
        return harness;
    }

    /// <summary>Proves that nothing more is queued: a PING sent now is answered after everything the server wrote before it.</summary>
    public async Task<List<TestFrame>> ReadUntilPingAckAsync(byte marker = 0x5A)
    {
        byte[] opaque = [marker, 1, 2, 3, 4, 5, 6, 7];
        await Peer.SendAsync(Http2TestPeer.Ping(opaque));
        var before = new List<TestFrame>();
        while (true)
        {
            TestFrame frame = await Peer.ReadFrameAsync() ?? throw new InvalidOperationException("closed before the PING ACK");
            if (frame.Type == FrameType.Ping && frame.HasFlag(FrameFlags.Ack) && frame.Payload.AsSpan().SequenceEqual(opaque))
            {
                return before;
            }

            before.Add(frame);
        }
    }

    public async Task WaitForCompletionAsync() => await Run.WaitAsync(Http2TestPeer.Timeout);

    public async ValueTask DisposeAsync()
    {
        await Peer.DisposeAsync();
        await WaitForCompletionAsync();
    }
}
