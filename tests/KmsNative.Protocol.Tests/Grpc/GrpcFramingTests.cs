using Grpc.Core;
using KmsNative.Protocol.Grpc;

namespace KmsNative.Protocol.Tests.Grpc;

public class GrpcFramingTests
{
    [Fact]
    public void ReadUnaryMessage_OneMessage_ReturnsOffsetAndLength()
    {
        byte[] body = [0x00,                      // not compressed
                       0x00, 0x00, 0x00, 0x03,    // length 3
                       0x0A, 0x01, 0x41];         // message
        Status status = GrpcFraming.ReadUnaryMessage(body, 4 * 1024 * 1024, out bool compressed, out int offset, out int length);
        Assert.Equal(StatusCode.OK, status.StatusCode);
        Assert.False(compressed);
        Assert.Equal(5, offset);
        Assert.Equal(3, length);
    }

    [Fact]
    public void ReadUnaryMessage_EmptyMessage_ReturnsOkWithZeroLength()
    {
        byte[] body = [0x00, 0x00, 0x00, 0x00, 0x00]; // not compressed, length 0
        Assert.Equal(StatusCode.OK, GrpcFraming.ReadUnaryMessage(body, 100, out _, out _, out int length).StatusCode);
        Assert.Equal(0, length);
    }

    [Fact]
    public void ReadUnaryMessage_EmptyBody_ReturnsInternal()
    {
        Assert.Equal(StatusCode.Internal, GrpcFraming.ReadUnaryMessage([], 100, out _, out _, out _).StatusCode);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ReadUnaryMessage_TruncatedPrefix_ReturnsInternal(int bodyLength)
    {
        byte[] body = new byte[] { 0x00, 0x00, 0x00, 0x00, 0x03 }[..bodyLength];
        Assert.Equal(StatusCode.Internal, GrpcFraming.ReadUnaryMessage(body, 100, out _, out _, out _).StatusCode);
    }

    [Fact]
    public void ReadUnaryMessage_TruncatedMessage_ReturnsInternal()
    {
        byte[] body = [0x00,  0x00, 0x00, 0x00, 0x03,  0x0A, 0x01]; // length 3, two bytes present
        Assert.Equal(StatusCode.Internal, GrpcFraming.ReadUnaryMessage(body, 100, out _, out _, out _).StatusCode);
    }

    [Fact]
    public void ReadUnaryMessage_TwoMessages_ReturnsInternal()
    {
        byte[] body = [0x00,  0x00, 0x00, 0x00, 0x01,  0x41,       // first message
                       0x00,  0x00, 0x00, 0x00, 0x01,  0x42];      // second message
        Status status = GrpcFraming.ReadUnaryMessage(body, 100, out _, out _, out _);
        Assert.Equal(StatusCode.Internal, status.StatusCode);
        Assert.Contains("more than one", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadUnaryMessage_DeclaredLengthAboveLimit_ReturnsResourceExhaustedWithoutTheBody()
    {
        byte[] body = [0x00,  0x00, 0x40, 0x00, 0x01];              // 4 MiB + 1 declared, nothing follows
        Assert.Equal(StatusCode.ResourceExhausted, GrpcFraming.ReadUnaryMessage(body, 4 * 1024 * 1024, out _, out _, out _).StatusCode);
    }

    [Fact]
    public void ReadUnaryMessage_DeclaredLengthAboveIntMax_ReturnsResourceExhausted()
    {
        byte[] body = [0x00,  0xFF, 0xFF, 0xFF, 0xFF];              // 2^32-1 declared
        Assert.Equal(StatusCode.ResourceExhausted, GrpcFraming.ReadUnaryMessage(body, int.MaxValue, out _, out _, out _).StatusCode);
    }

    [Fact]
    public void ReadUnaryMessage_CompressedFlag_ReportsCompressed()
    {
        byte[] body = [0x01,  0x00, 0x00, 0x00, 0x01,  0x41];       // compressed, length 1
        Assert.Equal(StatusCode.OK, GrpcFraming.ReadUnaryMessage(body, 100, out bool compressed, out _, out _).StatusCode);
        Assert.True(compressed);
    }

    [Fact]
    public void ReadUnaryMessage_FlagAboveOne_ReturnsInternal()
    {
        byte[] body = [0x02,  0x00, 0x00, 0x00, 0x00];              // undefined flag value
        Assert.Equal(StatusCode.Internal, GrpcFraming.ReadUnaryMessage(body, 100, out _, out _, out _).StatusCode);
    }

    [Fact]
    public void WritePrefix_Length_WritesUncompressedBigEndian()
    {
        byte[] prefix = new byte[5];
        GrpcFraming.WritePrefix(prefix, 0x0102_0304);
        Assert.Equal([0x00, 0x01, 0x02, 0x03, 0x04], prefix);
    }
}
