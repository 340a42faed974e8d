using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Tests.Buffers;

namespace KmsNative.Protocol.Tests.Http2;

public class HeaderBlockAssemblerTests
{
    [Fact]
    public void Continue_TwoContinuations_AssemblesTheBlockInOrder()
    {
        using var assembler = new HeaderBlockAssembler();
        assembler.Begin(3, [0x82], endStream: true, HeaderBlockTarget.NewStream, Http2ErrorCode.NoError);

        Assert.False(assembler.Continue(new FrameHeader(1, FrameType.Continuation, FrameFlags.None, 3), [0x86]));
        Assert.True(assembler.Continue(new FrameHeader(1, FrameType.Continuation, FrameFlags.EndHeaders, 3), [0x84]));

        Assert.Equal([0x82, 0x86, 0x84], assembler.Block.ToArray());
        Assert.Equal((3, true, HeaderBlockTarget.NewStream), (assembler.StreamId, assembler.EndStream, assembler.Target));
        assembler.Clear();
        Assert.Equal(0, assembler.StreamId);
    }

    [Fact]
    public void CheckNextFrame_OtherFrameWhileBlockOpen_ProtocolError()
    {
        // RFC 9113 §6.10: nothing but CONTINUATION of the same stream may follow.
        using var assembler = new HeaderBlockAssembler();
        assembler.CheckNextFrame(new FrameHeader(0, FrameType.Data, FrameFlags.None, 1)); // no block open: anything goes
        assembler.Begin(1, [0x82], endStream: false, HeaderBlockTarget.Discard, Http2ErrorCode.RefusedStream);

        var error = Assert.Throws<Http2ConnectionException>(() => assembler.CheckNextFrame(new FrameHeader(8, FrameType.Ping, FrameFlags.None, 0)));
        Assert.Equal(Http2ErrorCode.ProtocolError, error.ErrorCode);
        Assert.Equal(Http2ErrorCode.RefusedStream, assembler.ResetCode);
    }

    [Fact]
    public void Continue_OtherStreamOrNoBlock_ProtocolError()
    {
        using var assembler = new HeaderBlockAssembler();
        var header = new FrameHeader(1, FrameType.Continuation, FrameFlags.EndHeaders, 5);
        Assert.Equal(Http2ErrorCode.ProtocolError, Assert.Throws<Http2ConnectionException>(() => assembler.Continue(header, [0x82])).ErrorCode);

        assembler.Begin(3, [0x82], endStream: false, HeaderBlockTarget.NewStream, Http2ErrorCode.NoError);
        Assert.Equal(Http2ErrorCode.ProtocolError, Assert.Throws<Http2ConnectionException>(() => assembler.Continue(header, [0x82])).ErrorCode);
    }

    [Fact]
    public void Continue_PastTheLimit_EnhanceYourCalm()
    {
        using var assembler = new HeaderBlockAssembler();
        assembler.Begin(1, new byte[HeaderBlockAssembler.MaxBlockSize], endStream: false, HeaderBlockTarget.NewStream, Http2ErrorCode.NoError);
        var error = Assert.Throws<Http2ConnectionException>(() => assembler.Continue(new FrameHeader(1, FrameType.Continuation, FrameFlags.None, 1), [0x82]));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, error.ErrorCode);
    }

    [Fact]
    public void ClearAndDispose_AfterABlock_ReturnTheBufferZeroed()
    {
        var pool = new ZeroCheckingPool();
        var assembler = new HeaderBlockAssembler(pool);
        assembler.Begin(1, "authorization: Bearer t"u8, endStream: false, HeaderBlockTarget.NewStream, Http2ErrorCode.NoError);
        assembler.Clear();
        assembler.Dispose();

        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Violations);
    }
}
