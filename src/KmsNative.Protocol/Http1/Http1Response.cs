namespace KmsNative.Protocol.Http1;

/// <summary>What a handler answers: a status code, a content type and a complete body (no streaming).</summary>
internal sealed record Http1Response(int StatusCode, string ContentType, ReadOnlyMemory<byte> Body)
{
    public const string TextPlain = "text/plain; charset=utf-8";

    public static Http1Response Text(int statusCode, string text) => new(statusCode, TextPlain, System.Text.Encoding.UTF8.GetBytes(text));
}
