using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

/// <summary>
/// <see cref="Http2Connection.Abort"/> ends the connection whatever it waits on. The grace period of a shutdown ends
/// in Abort, so a peer that stopped reading must not keep the server from exiting.
/// </summary>
public sealed class Http2ConnectionAbortTests
{
    [Fact]
    public async Task Abort_WhileAWriteWaitsForAPeerThatNeverReads_TheConnectionEnds()
    {
        var transport = new StalledStream();
        var connection = new Http2Connection(transport, new FakeApplication(), new Http2Limits(), "test", TimeProvider.System);
        Task run = Task.Run(connection.RunAsync);
        await transport.WriteStarted.Task.WaitAsync(KmsNative.Http2Testing.Http2TestPeer.Timeout); // the server preface

        connection.Abort();

        await run.WaitAsync(KmsNative.Http2Testing.Http2TestPeer.Timeout);
        Assert.True(transport.Disposed);
    }

    /// <summary>
    /// A socket whose peer never reads: a write waits for room that never comes, and, as a real socket does, fails
    /// once the stream is closed; reads wait for data that never comes, or the token, or the close.
    /// </summary>
    private sealed class StalledStream : Stream
    {
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource WriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Disposed => _closed.Task.IsCompleted;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            WriteStarted.TrySetResult();
            await _closed.Task.ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(StalledStream));
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _closed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(StalledStream));
        }

        protected override void Dispose(bool disposing)
        {
            _closed.TrySetResult();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
