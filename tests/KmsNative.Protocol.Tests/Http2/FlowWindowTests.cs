using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

public class FlowWindowTests
{
    [Fact]
    public void TryIncrease_UpTo2To31Minus1_Accepted()
    {
        var window = new FlowWindow(65_535);
        Assert.True(window.TryIncrease(int.MaxValue - 65_535));
        Assert.Equal(int.MaxValue, window.Size);
    }

    [Fact]
    public void TryIncrease_Past2To31Minus1_FalseAndUnchanged()
    {
        // RFC 9113 §6.9.1: FLOW_CONTROL_ERROR, for the caller to send as a stream or connection error.
        var window = new FlowWindow(65_535);
        Assert.False(window.TryIncrease(int.MaxValue - 65_534));
        Assert.Equal(65_535, window.Size);
    }

    [Fact]
    public void TryAdjust_InitialWindowSizeDecrease_MayGoNegativeThenIncreaseReopens()
    {
        // §6.9.2: after SETTINGS_INITIAL_WINDOW_SIZE shrinks, a window can be below zero until WINDOW_UPDATEs refill it.
        var window = new FlowWindow(100);
        window.Consume(80);
        Assert.True(window.TryAdjust(-65_535 + 10));
        Assert.True(window.Size < 0);
        Assert.True(window.TryIncrease(65_535));
        Assert.Equal(20 + 10, window.Size);
    }

    [Fact]
    public void TryAdjust_Past2To31Minus1_FalseAndUnchanged()
    {
        var window = new FlowWindow(int.MaxValue - 10);
        Assert.False(window.TryAdjust(11));
        Assert.Equal(int.MaxValue - 10, window.Size);
    }

    [Fact]
    public void TryReceive_WithinAndBeyondTheWindow_FalseOnlyBeyond()
    {
        var window = new FlowWindow(10);
        Assert.True(window.TryReceive(10));
        Assert.Equal(0, window.Size);
        Assert.False(window.TryReceive(1)); // §6.9.1: the peer ignored our window
        window.Reopen(11);
        Assert.Equal(10, window.Size);
    }
}
