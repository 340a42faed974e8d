using System.Text.Json;
using System.Text.RegularExpressions;

namespace KmsNative.KeyVaultEmulator.Tests;

public sealed class KeyManagementTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    [Theory]
    [InlineData("RSA", 2048)]
    [InlineData("RSA-HSM", 3072)]
    [InlineData("RSA", 4096)]
    public async Task Create_RsaKey_ReturnsKeyBundleInKeyVaultShape(string kty, int size)
    {
        string name = $"create-{kty}-{size}";
        JsonElement bundle = await emulator.CreateKeyAsync(name, size, kty);

        JsonElement key = bundle.GetProperty("key");
        string kid = key.GetProperty("kid").GetString()!;
        Assert.Matches($"^{Regex.Escape(emulator.Url.ToString())}keys/{name}/[0-9a-f]{{32}}$", kid);
        Assert.Equal(kty, key.GetProperty("kty").GetString());
        Assert.Equal(size / 8, Crypto.Base64Url.TryDecode(key.GetProperty("n").GetString(), out byte[] n) ? n.Length : -1);
        Assert.Equal("AQAB", key.GetProperty("e").GetString());
        Assert.Contains("wrapKey", key.GetProperty("key_ops").EnumerateArray().Select(o => o.GetString()));
        JsonElement attributes = bundle.GetProperty("attributes");
        Assert.True(attributes.GetProperty("enabled").GetBoolean());
        Assert.True(attributes.GetProperty("created").GetInt64() > 1_700_000_000);
        Assert.Equal(attributes.GetProperty("created").GetInt64(), attributes.GetProperty("updated").GetInt64());
        Assert.Equal("Recoverable+Purgeable", attributes.GetProperty("recoveryLevel").GetString());
    }

    [Theory]
    [InlineData("{\"kty\":\"RSA\",\"key_size\":1024}")]
    [InlineData("{\"kty\":\"EC\"}")]
    [InlineData("{\"key_size\":2048}")]
    [InlineData("not json")]
    public async Task Create_BadRequest_Returns400BadParameter(string body)
    {
        var (response, error) = await emulator.SendAsync(HttpMethod.Post, "/keys/bad-create/create", body);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("BadParameter", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Rotate_ExistingKey_AddsVersionAndGetReturnsLatest()
    {
        JsonElement first = await emulator.CreateKeyAsync("rotate-me");
        var (rotateResponse, rotated) = await emulator.SendAsync(HttpMethod.Post, "/keys/rotate-me/rotate");
        Assert.Equal(200, (int)rotateResponse.StatusCode);

        string firstKid = first.GetProperty("key").GetProperty("kid").GetString()!;
        string rotatedKid = rotated.GetProperty("key").GetProperty("kid").GetString()!;
        Assert.NotEqual(firstKid, rotatedKid);
        Assert.NotEqual(first.GetProperty("key").GetProperty("n").GetString(), rotated.GetProperty("key").GetProperty("n").GetString());

        var (_, latest) = await emulator.SendAsync(HttpMethod.Get, "/keys/rotate-me");
        Assert.Equal(rotatedKid, latest.GetProperty("key").GetProperty("kid").GetString());
        string firstVersion = firstKid[(firstKid.LastIndexOf('/') + 1)..];
        var (_, old) = await emulator.SendAsync(HttpMethod.Get, $"/keys/ROTATE-ME/{firstVersion}");
        Assert.Equal(firstKid, old.GetProperty("key").GetProperty("kid").GetString());
    }

    [Fact]
    public async Task Rotate_UnknownKey_Returns404KeyNotFound()
    {
        var (response, error) = await emulator.SendAsync(HttpMethod.Post, "/keys/nope/rotate");
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("KeyNotFound", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Get_UnknownVersion_Returns404KeyNotFound()
    {
        await emulator.CreateKeyAsync("known");
        var (response, error) = await emulator.SendAsync(HttpMethod.Get, "/keys/known/0123456789abcdef0123456789abcdef");
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("KeyNotFound", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ListVersions_WithMaxResults_PagesThroughNextLink()
    {
        await emulator.CreateKeyAsync("paged");
        await emulator.SendAsync(HttpMethod.Post, "/keys/paged/rotate");
        await emulator.SendAsync(HttpMethod.Post, "/keys/paged/rotate");

        List<string> kids = [];
        string? next = "/keys/paged/versions?maxresults=2";
        int pages = 0;
        string token = await emulator.GetTokenAsync();
        while (next is not null)
        {
            // nextLink already carries api-version.
            var (response, page) = await emulator.SendAsync(HttpMethod.Get, next, token: token, apiVersion: pages == 0 ? EmulatorFixture.ApiVersion : "");
            Assert.Equal(200, (int)response.StatusCode);
            kids.AddRange(page.GetProperty("value").EnumerateArray().Select(v => v.GetProperty("kid").GetString()!));
            next = page.GetProperty("nextLink").GetString();
            pages++;
        }
        Assert.Equal(2, pages);
        Assert.Equal(3, kids.Distinct().Count());
        Assert.All(kids, k => Assert.Matches("/keys/paged/[0-9a-f]{32}$", k));
    }

    [Fact]
    public async Task List_Keys_ReturnsVersionlessKids()
    {
        await emulator.CreateKeyAsync("listed-a");
        await emulator.CreateKeyAsync("listed-b");
        var (response, list) = await emulator.SendAsync(HttpMethod.Get, "/keys");
        Assert.Equal(200, (int)response.StatusCode);
        List<string> kids = list.GetProperty("value").EnumerateArray().Select(v => v.GetProperty("kid").GetString()!).ToList();
        Assert.Contains($"{emulator.Url}keys/listed-a", kids);
        Assert.Contains($"{emulator.Url}keys/listed-b", kids);
        Assert.Equal(JsonValueKind.Null, list.GetProperty("nextLink").ValueKind);
    }

    [Fact]
    public async Task Update_DisableAndExpiry_AreReturnedInAttributes()
    {
        JsonElement created = await emulator.CreateKeyAsync("patch-me");
        string kid = created.GetProperty("key").GetProperty("kid").GetString()!;
        string version = kid[(kid.LastIndexOf('/') + 1)..];

        var (response, updated) = await emulator.SendAsync(HttpMethod.Patch, $"/keys/patch-me/{version}",
            new { attributes = new { enabled = false, exp = 4_000_000_000L }, tags = new { purpose = "test" } });
        Assert.Equal(200, (int)response.StatusCode);
        Assert.False(updated.GetProperty("attributes").GetProperty("enabled").GetBoolean());
        Assert.Equal(4_000_000_000L, updated.GetProperty("attributes").GetProperty("exp").GetInt64());
        Assert.Equal("test", updated.GetProperty("tags").GetProperty("purpose").GetString());

        var (_, enabled) = await emulator.SendAsync(HttpMethod.Patch, "/keys/patch-me", new { attributes = new { enabled = true } });
        Assert.True(enabled.GetProperty("attributes").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Get_ThroughAnotherHostName_KidUsesThatHost()
    {
        await emulator.CreateKeyAsync("host-kid");
        var (_, bundle) = await emulator.SendAsync(HttpMethod.Get, $"https://localhost:{emulator.Url.Port}/keys/host-kid");
        Assert.StartsWith($"https://localhost:{emulator.Url.Port}/keys/host-kid/", bundle.GetProperty("key").GetProperty("kid").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.0")]
    public async Task Get_MissingOrUnknownApiVersion_Returns400(string apiVersion)
    {
        await emulator.CreateKeyAsync("api-version");
        var (response, error) = await emulator.SendAsync(HttpMethod.Get, apiVersion.Length == 0 ? "/keys/api-version" : $"/keys/api-version?api-version={apiVersion}",
            apiVersion: "");
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("BadParameter", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("2016-10-01")]
    [InlineData("7.0")]
    [InlineData("7.6")]
    [InlineData("7.6-preview.2")]
    [InlineData("2025-07-01")]
    public async Task Get_SupportedApiVersion_Returns200(string apiVersion)
    {
        await emulator.CreateKeyAsync("api-ok");
        var (response, _) = await emulator.SendAsync(HttpMethod.Get, "/keys/api-ok", apiVersion: apiVersion);
        Assert.Equal(200, (int)response.StatusCode);
    }
}
