using System.Text;
using KmsNative.Protocol.Http2;

namespace KmsNative.Protocol.Tests.Http2;

public class RequestHeaderCollectorTests
{
    private static readonly (string, string)[] s_pseudo = [(":method", "POST"), (":scheme", "http"), (":path", "/v2.KeyManagementService/Encrypt")];

    private static string? Collect(params (string Name, string Value)[] fields)
    {
        var collector = new RequestHeaderCollector();
        using var headers = new RequestHeaders();
        collector.Begin(headers);
        foreach ((string name, string value) in fields)
        {
            collector.OnHeader(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value));
        }

        collector.End();
        return collector.Error;
    }

    [Fact]
    public void OnHeader_KubeApiServerRequest_NoErrorAndFieldsKept()
    {
        var collector = new RequestHeaderCollector();
        using var headers = new RequestHeaders();
        collector.Begin(headers);
        foreach ((string name, string value) in (ReadOnlySpan<(string, string)>)[.. s_pseudo, (":authority", "%2Fopt%2Fkms.socket"),
                 ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "2995457u"), ("user-agent", "grpc-go/1.65.0")])
        {
            collector.OnHeader(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
        }

        collector.End();
        Assert.Null(collector.Error);
        Assert.Equal("/v2.KeyManagementService/Encrypt", headers.PathString);
        Assert.Equal("application/grpc"u8.ToArray(), headers.ContentType.ToArray());
        Assert.True(headers.TryGetField("grpc-timeout"u8, out ReadOnlySpan<byte> timeout));
        Assert.Equal("2995457u"u8.ToArray(), timeout.ToArray());
    }

    [Theory]
    [InlineData("x-tab", "a\tb")]       // HTAB inside a value is allowed
    [InlineData("x-visible", "!~\u0080\u00FF")] // obs-text in values is allowed
    [InlineData("x-empty", "")]
    [InlineData("x_under.score-1", "v")]
    public void OnHeader_ValidUnusualField_NoError(string name, string value)
    {
        Assert.Null(Collect([.. s_pseudo, (name, value)]));
    }

    [Theory]
    [InlineData("X-Upper", "1")]        // §8.2.1: uppercase
    [InlineData("x y", "1")]            // space
    [InlineData("x\ty", "1")]           // control character
    [InlineData("x\0y", "1")]
    [InlineData("x\u007Fy", "1")]       // DEL
    [InlineData("caf\u00E9", "1")]      // above 0x7E
    [InlineData("x:y", "1")]            // colon outside a pseudo-header's first byte
    [InlineData("x-v", "a\r\nb: c")]    // CR LF in a value
    [InlineData("x-v", "a\nb")]
    [InlineData("x-v", "a\0b")]
    [InlineData("x-v", " a")]           // leading whitespace
    [InlineData("x-v", "a\t")]          // trailing whitespace
    [InlineData("connection", "close")] // §8.2.2
    [InlineData("te", "gzip")]
    public void OnHeader_InvalidRegularField_MalformedRequest(string name, string value)
    {
        Assert.NotNull(Collect([.. s_pseudo, (name, value)]));
    }

    [Theory]
    [InlineData(":path", "/a\rb")]
    [InlineData(":path", "/a b ")]
    [InlineData(":method", "PO\0ST")]
    [InlineData("::path", "/x")]
    [InlineData(":Path", "/x")]
    public void OnHeader_InvalidPseudoHeader_MalformedRequest(string name, string value)
    {
        Assert.NotNull(Collect([(":method", "POST"), (":scheme", "http"), (name, value)]));
    }

    [Fact]
    public void End_MissingPath_MalformedRequest()
    {
        Assert.NotNull(Collect((":method", "POST"), (":scheme", "http")));
    }

    [Fact]
    public void OnHeader_PseudoHeaderAfterRegularField_MalformedRequest()
    {
        Assert.NotNull(Collect((":method", "POST"), (":scheme", "http"), ("x-a", "1"), (":path", "/x")));
    }
}
