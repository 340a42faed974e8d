using System.Text;
using KmsNative.Protocol.Http1;

namespace KmsNative.Protocol.Tests.Http1;

public class Http1RequestReaderTests
{
    private static readonly Http1Limits s_limits = new() { MaxRequestLineLength = 64, MaxRequestHeadSize = 256, MaxHeaderCount = 4 };

    /// <summary>How the bytes arrive: all at once, one byte at a time, or cut at a few places (inside CRLF too).</summary>
    public static TheoryData<int> Splits => new() { 0, 1, 2, 7, 17 };

    [Theory]
    [MemberData(nameof(Splits))]
    public void TryRead_KubeletProbe_ReturnsRequest(int split)
    {
        byte[] wire = Ascii("GET /healthz HTTP/1.1\r\n"            // request line
                          + "Host: 10.0.0.4:8787\r\n"                // kubelet sends host:port
                          + "User-Agent: kube-probe/1.33\r\n"
                          + "Accept: */*\r\n"
                          + "Connection: close\r\n"
                          + "\r\n");
        Http1Request request = ReadComplete(wire, split, out int consumed);
        Assert.Equal(new Http1Request("GET", "/healthz", "", IsHttp11: true, KeepAlive: false), request);
        Assert.Equal(wire.Length, consumed);
    }

    [Theory]
    [MemberData(nameof(Splits))]
    public void TryRead_QueryAndPipelinedBytes_ConsumesOnlyTheHead(int split)
    {
        byte[] head = Ascii("GET /healthz?deep=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        byte[] wire = [.. head, .. Ascii("GET /metrics HTTP/1.1\r\n")];
        Http1Request request = ReadComplete(wire, split, out int consumed, headLength: head.Length);
        Assert.Equal("/healthz", request.Path);
        Assert.Equal("deep=1", request.Query);
        Assert.True(request.KeepAlive);
        Assert.Equal(head.Length, consumed);
    }

    [Theory]
    [MemberData(nameof(Splits))]
    public void TryRead_Http10WithoutHost_ClosesAfterResponse(int split)
    {
        Http1Request request = ReadComplete(Ascii("HEAD /metrics HTTP/1.0\r\n\r\n"), split, out _);
        Assert.Equal(new Http1Request("HEAD", "/metrics", "", IsHttp11: false, KeepAlive: false), request);
    }

    [Fact]
    public void TryRead_Http10KeepAlive_KeepsConnection()
    {
        Http1Request request = ReadComplete(Ascii("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0, out _);
        Assert.True(request.KeepAlive);
    }

    [Fact]
    public void TryRead_LeadingEmptyLines_AreSkipped()
    {
        // RFC 9112 §2.2
        Http1Request request = ReadComplete(Ascii("\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"), 0, out int consumed);
        Assert.Equal("/healthz", request.Path);
        Assert.Equal(38, consumed);
    }

    [Fact]
    public void TryRead_AbsoluteForm_KeepsPathAndQuery()
    {
        Http1Request request = ReadComplete(Ascii("GET http://node:8787/healthz?deep=1 HTTP/1.1\r\nHost: node\r\n\r\n"), 0, out _);
        Assert.Equal(("/healthz", "deep=1"), (request.Path, request.Query));
        request = ReadComplete(Ascii("GET http://node:8787 HTTP/1.1\r\nHost: node\r\n\r\n"), 0, out _);
        Assert.Equal(("/", ""), (request.Path, request.Query));
    }

    [Fact]
    public void TryRead_ContentLengthZero_IsAccepted()
    {
        Assert.Equal("GET", ReadComplete(Ascii("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"), 0, out _).Method);
    }

    [Theory]
    [InlineData("GET /healthz HTTP/1.1\r\nHost: a\r\n")]
    [InlineData("GET /healthz HTTP/1.1\r\nHost: a\r\n\r")]
    [InlineData("GET /healthz HTTP/1.1\r")]
    [InlineData("GET /hea")]
    [InlineData("")]
    [InlineData("\r\n")]
    public void TryRead_IncompleteHead_NeedsMoreData(string text)
    {
        Assert.Equal(Http1ReadStatus.NeedMoreData, Http1RequestReader.TryRead(Ascii(text), s_limits, out Http1Request? request, out int consumed, out _));
        Assert.Null(request);
        Assert.Equal(0, consumed);
    }

    [Theory]
    // request line
    [InlineData("GET /healthz\r\nHost: a\r\n\r\n", 400)]                     // no version
    [InlineData("GET  /healthz HTTP/1.1\r\nHost: a\r\n\r\n", 400)]           // two spaces: target starts with SP
    [InlineData("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400)]                // space inside the target
    [InlineData(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400)]                  // leading space
    [InlineData("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400)]                   // method is not a token
    [InlineData("GET healthz HTTP/1.1\r\nHost: a\r\n\r\n", 400)]             // not origin-form
    [InlineData("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400)]                   // asterisk-form (OPTIONS only)
    [InlineData("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400)]               // control character in the target
    [InlineData("GET / http/1.1\r\nHost: a\r\n\r\n", 400)]                   // version is case-sensitive
    [InlineData("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400)]                  // malformed version
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505)]
    [InlineData("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505)]
    [InlineData("GET / HTTP/1.1\nHost: a\r\n\r\n", 400)]                     // bare LF ends the request line
    [InlineData("GET / HT\rTP/1.1\r\nHost: a\r\n\r\n", 400)]                 // bare CR inside a line
    [InlineData("GET / HT\rX", 400)]                                          // bare CR seen before the line ends
    // header lines
    [InlineData("GET / HTTP/1.1\r\nHost: a\n\r\n", 400)]                     // bare LF ends a field line
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400)]                  // whitespace before the colon (§5.1)
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400)]        // obs-fold (§5.2)
    [InlineData("GET / HTTP/1.1\r\nHost a\r\n\r\n", 400)]                    // no colon
    [InlineData("GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400)]            // empty field name
    [InlineData("GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", 400)]              // NUL in a value
    [InlineData("GET / HTTP/1.1\r\nHost: a\x7F\r\n\r\n", 400)]               // DEL in a value
    [InlineData("GET / HTTP/1.1\r\n\r\n", 400)]                              // HTTP/1.1 without Host (§3.2)
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)]        // two Host fields
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 413)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501)]
    // limits (64-byte request line, 256-byte head, 4 fields)
    [InlineData("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n", 414)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431)]
    public void TryRead_MalformedHead_ReturnsError(string text, int statusCode)
    {
        foreach (int split in Splits)
        {
            Http1Error error = ReadUntilError(Ascii(text), split);
            Assert.Equal(statusCode, error.StatusCode);
            Assert.False(string.IsNullOrEmpty(error.Reason));
        }
    }

    [Fact]
    public void TryRead_RequestLineOverLimitWithoutLf_Returns414BeforeTheLineEnds()
    {
        byte[] wire = Ascii("GET /" + new string('a', 100));
        Assert.Equal(Http1ReadStatus.Error, Http1RequestReader.TryRead(wire, s_limits, out _, out _, out Http1Error error));
        Assert.Equal(414, error.StatusCode);
    }

    [Fact]
    public void TryRead_HeadOverLimitWithoutEnd_Returns431BeforeTheHeadEnds()
    {
        byte[] wire = Ascii("GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('b', 300));
        Assert.Equal(Http1ReadStatus.Error, Http1RequestReader.TryRead(wire, s_limits, out _, out _, out Http1Error error));
        Assert.Equal(431, error.StatusCode);
    }

    [Fact]
    public void TryRead_ManyCompleteLinesOverTheHeadLimit_Returns431()
    {
        var text = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        var limits = s_limits with { MaxHeaderCount = 1000 };
        for (int i = 0; i < 40; i++)
        {
            text.Append("X: 1234\r\n");
        }

        Assert.Equal(Http1ReadStatus.Error, Http1RequestReader.TryRead(Ascii(text.ToString()), limits, out _, out _, out Http1Error error));
        Assert.Equal(431, error.StatusCode);
    }

    [Fact]
    public void TryRead_SeededMutations_EndInRequestErrorOrNeedMoreData()
    {
        byte[] valid = Ascii("GET /healthz?deep=1 HTTP/1.1\r\nHost: 10.0.0.4:8787\r\nUser-Agent: kube-probe/1.33\r\nConnection: close\r\n\r\n");
        var random = new Random(20261205);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] mutated = valid[..random.Next(1, valid.Length + 1)];
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            Http1ReadStatus status = Http1RequestReader.TryRead(mutated, s_limits, out Http1Request? request, out int consumed, out Http1Error error);
            Assert.Equal(status == Http1ReadStatus.Complete, request is not null);
            Assert.True(consumed <= mutated.Length);
            Assert.True(status != Http1ReadStatus.Error || error.StatusCode is >= 400 and < 600);
        }
    }

    private static Http1Request ReadComplete(byte[] wire, int split, out int consumed, int? headLength = null)
    {
        int end = headLength ?? wire.Length;
        foreach (int length in Prefixes(wire.Length, split))
        {
            Http1ReadStatus status = Http1RequestReader.TryRead(wire.AsSpan(0, length), s_limits, out Http1Request? request, out consumed, out Http1Error error);
            if (length < end)
            {
                Assert.Equal(Http1ReadStatus.NeedMoreData, status);
                continue;
            }

            Assert.True(status == Http1ReadStatus.Complete, $"{status} {error}");
            return request!;
        }

        throw new InvalidOperationException("unreachable");
    }

    private static Http1Error ReadUntilError(byte[] wire, int split)
    {
        foreach (int length in Prefixes(wire.Length, split))
        {
            Http1ReadStatus status = Http1RequestReader.TryRead(wire.AsSpan(0, length), s_limits, out _, out _, out Http1Error error);
            Assert.NotEqual(Http1ReadStatus.Complete, status);
            if (status == Http1ReadStatus.Error)
            {
                return error;
            }
        }

        throw new Xunit.Sdk.XunitException("no error for the whole input");
    }

    /// <summary>The lengths at which a reader sees the buffer: split 0 = only the whole; n = every n bytes, then the whole.</summary>
    private static IEnumerable<int> Prefixes(int length, int split)
    {
        if (split > 0)
        {
            for (int i = split; i < length; i += split)
            {
                yield return i;
            }
        }

        yield return length;
    }

    private static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);
}
