using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

public class ClosedStreamsTests
{
    [Fact]
    public void Find_RememberedStreams_ReturnsHowEachClosed()
    {
        var closed = new ClosedStreams();
        closed.Remember(1, StreamClosure.ClosedByUs);
        closed.Remember(3, StreamClosure.ResetByPeer);
        closed.Remember(5, StreamClosure.EndedByPeer);

        Assert.Equal(StreamClosure.ClosedByUs, closed.Find(1));
        Assert.Equal(StreamClosure.ResetByPeer, closed.Find(3));
        Assert.Equal(StreamClosure.EndedByPeer, closed.Find(5));
        Assert.Equal(StreamClosure.Unknown, closed.Find(7));
        Assert.Equal(StreamClosure.Unknown, closed.Find(0)); // the empty slots are not stream 0
    }

    [Fact]
    public void Remember_SameStreamAgain_LatestClosingCounts()
    {
        var closed = new ClosedStreams();
        closed.Remember(1, StreamClosure.EndedByPeer);
        closed.Remember(3, StreamClosure.EndedByPeer);
        closed.Remember(1, StreamClosure.ResetByPeer);   // the peer's RST_STREAM after its END_STREAM
        closed.Remember(3, StreamClosure.ClosedByUs);    // our RST_STREAM for a late frame

        Assert.Equal(StreamClosure.ResetByPeer, closed.Find(1));
        Assert.Equal(StreamClosure.ClosedByUs, closed.Find(3));
    }

    [Fact]
    public void Remember_MoreThanCapacity_ForgetsTheOldest()
    {
        var closed = new ClosedStreams(capacity: 4);
        for (int id = 1; id <= 11; id += 2)
        {
            closed.Remember(id, StreamClosure.ClosedByUs);
        }

        Assert.Equal(StreamClosure.Unknown, closed.Find(1));
        Assert.Equal(StreamClosure.Unknown, closed.Find(3));
        Assert.All([5, 7, 9, 11], id => Assert.Equal(StreamClosure.ClosedByUs, closed.Find(id)));
    }
}
