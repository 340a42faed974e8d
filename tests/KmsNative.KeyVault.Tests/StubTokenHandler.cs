using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace KmsNative.KeyVault.Tests;

/// <summary>
/// Answers Azure.Identity's token requests in memory (AAD v2 client credentials and IMDS) and records each request
/// with its body, so tests see which endpoint a credential called without any network.
/// </summary>
internal sealed class StubTokenHandler : HttpMessageHandler
{
    public ConcurrentQueue<(HttpMethod Method, Uri Uri, Dictionary<string, string> Headers, string Body)> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue((request.Method, request.RequestUri!, headers, body));
        string path = request.RequestUri!.AbsolutePath;
        long expiresOn = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        string json = path switch
        {
            "/metadata/identity/oauth2/token" =>
                $$"""{"access_token":"imds-token","expires_on":"{{expiresOn}}","expires_in":"3600","resource":"https://vault.azure.net","token_type":"Bearer"}""",
            _ when path.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal) =>
                """{"token_type":"Bearer","expires_in":3600,"ext_expires_in":3600,"access_token":"aad-token"}""",
            _ => "",
        };
        return new HttpResponseMessage(json.Length == 0 ? HttpStatusCode.NotFound : HttpStatusCode.OK)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
    }
}
