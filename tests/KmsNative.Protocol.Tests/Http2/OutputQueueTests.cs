using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Tests.Buffers;

namespace KmsNative.Protocol.Tests.Http2;

public class OutputQueueTests
{
    private static readonly byte[] s_dek = [.. Enumerable.Repeat((byte)0xD5, 32)];

    [Fact]
    public async Task FlushAsync_WrittenFrames_SentOnceThenBuffersReturnedZeroedOnDispose()
    {
        var pool = new ZeroCheckingPool();
        var transport = new GatedStream(open: true);
        var sync = new Lock();
        var queue = new OutputQueue(transport, sync, maxBuffered: 1024, () => { }, pool, new ByteBudget(1 << 20));
        lock (sync)
        {
            queue.Writer.WriteData(1, s_dek, endStream: true);
        }

        await queue.FlushAsync();
        await queue.FlushAsync(); // nothing more to send
        queue.Dispose();

        Assert.Equal(FrameHeader.Size + s_dek.Length, transport.Received.Count);
        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Violations);
    }

    [Fact]
    public async Task Dispose_WhileAFlushWrites_TheFlushReturnsBothBuffersZeroedWhenItEnds()
    {
        var pool = new ZeroCheckingPool();
        var transport = new GatedStream(open: false);
        var sync = new Lock();
        var queue = new OutputQueue(transport, sync, maxBuffered: 1024, () => { }, pool, new ByteBudget(1 << 20));
        lock (sync)
        {
            queue.Writer.WriteData(1, s_dek, endStream: false);
        }

        Task flush = queue.FlushAsync(); // blocked in the transport's write
        lock (sync)
        {
            queue.Writer.WriteData(1, s_dek, endStream: true); // queued behind it
        }

        queue.Dispose();
        Assert.Equal(2, pool.Outstanding); // the writer's buffer and the one being sent: the flush owns them now
        transport.Open();
        await flush.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Violations);
    }

    [Fact]
    public async Task WaitForRoomAsync_OverTheBoundWhileFlushing_CompletesWhenTheFlushDrains()
    {
        var transport = new GatedStream(open: false);
        var sync = new Lock();
        var queue = new OutputQueue(transport, sync, maxBuffered: 16, () => { }, pool: null, new ByteBudget(1 << 20));
        lock (sync)
        {
            queue.Writer.WriteData(1, s_dek, endStream: false);
        }

        Task flush = queue.FlushAsync();
        Assert.True(queue.WaitForRoomAsync().IsCompleted); // the writer is empty again: its bytes are in flight
        lock (sync)
        {
            queue.Writer.WriteData(1, s_dek, endStream: true);
        }

        Task room = queue.WaitForRoomAsync();
        Assert.False(room.IsCompleted);
        transport.Open();
        await room.WaitAsync(TimeSpan.FromSeconds(10));
        await flush.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2 * (FrameHeader.Size + s_dek.Length), transport.Received.Count);
        queue.Dispose();
    }

    [Fact]
    public async Task FlushAsync_TransportFails_CallsOnWriteFailedAndDoesNotThrow()
    {
        int failures = 0;
        var sync = new Lock();
        var queue = new OutputQueue(new GatedStream(open: true) { Fail = true }, sync, 1024, () => failures++, pool: null, new ByteBudget(1 << 20));
        lock (sync)
        {
            queue.Writer.WriteSettingsAck();
        }

        await queue.FlushAsync();
        Assert.Equal(1, failures);
        queue.Dispose();
    }

    [Fact]
    public async Task WaitForRoomAsync_QueuedBytesSpendTheServerBudget_WaitsUntilTheyAreSentAndGivesThemBack()
    {
        // Far below this connection's own bound (1 MiB), but over the server's budget: a connection whose peer does not
        // read holds its queued frames charged, and is not read further until they are sent.
        var budget = new ByteBudget(32);
        var transport = new GatedStream(open: false);
        var sync = new Lock();
        var queue = new OutputQueue(transport, sync, maxBuffered: 1 << 20, () => { }, pool: null, budget);
        lock (sync)
        {
            queue.Writer.WriteData(1, s_dek, endStream: false);
        }

        Assert.Equal(FrameHeader.Size + s_dek.Length, budget.Used);
        Task flush = queue.FlushAsync(); // blocked in the transport's write, its bytes still charged
        lock (sync)
        {
            queue.Writer.WritePing(FrameFlags.Ack, new byte[8]);
            Assert.Equal(0, queue.Room); // no DATA may be queued past the budget
        }

        Assert.True(budget.IsSpent);
        Task room = queue.WaitForRoomAsync();
        Assert.False(room.IsCompleted);
        transport.Open();
        await room.WaitAsync(TimeSpan.FromSeconds(10));
        await flush.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, budget.Used);
        queue.Dispose();
    }

    [Fact]
    public void Dispose_UnsentFrames_GiveTheirBytesBackToTheBudget()
    {
        var budget = new ByteBudget(1024);
        var sync = new Lock();
        var queue = new OutputQueue(new GatedStream(open: false), sync, 1024, () => { }, pool: null, budget);
        lock (sync)
        {
            queue.Writer.WriteSettingsAck();
        }

        queue.Dispose();
        Assert.Equal(0, budget.Used);
    }

    /// <summary>A write-only transport whose writes wait until <see cref="Open"/>; it records what was written.</summary>
    private sealed class GatedStream(bool open) : Stream
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly bool _startOpen = open;

        public List<byte> Received { get; } = [];

        public bool Fail { get; init; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Open() => _gate.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Fail)
            {
                throw new IOException("broken pipe");
            }

            lock (Received)
            {
                Received.AddRange(buffer.ToArray());
            }

            if (!_startOpen)
            {
                await _gate.Task;
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
