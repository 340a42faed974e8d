using System.Security.Cryptography;
using System.Text.Json;
using KmsNative.KeyVaultEmulator.Crypto;

namespace KmsNative.KeyVaultEmulator.Tests;

public sealed class KeyOperationTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    public static TheoryData<string, string, string> AlgorithmsAndOperations()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string alg in new[] { "RSA1_5", "RSA-OAEP", "RSA-OAEP-256" })
        {
            data.Add(alg, "encrypt", "decrypt");
            data.Add(alg, "wrapkey", "unwrapkey");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AlgorithmsAndOperations))]
    public async Task EncryptThenDecrypt_EachAlgorithm_RoundTrips(string alg, string forward, string backward)
    {
        JsonElement bundle = await emulator.CreateKeyAsync("round-trip");
        string kid = bundle.GetProperty("key").GetProperty("kid").GetString()!;
        string path = new Uri(kid).AbsolutePath;
        byte[] dek = RandomNumberGenerator.GetBytes(32);

        var (encrypted, cipher) = await emulator.SendAsync(HttpMethod.Post, $"{path}/{forward}", new { alg, value = Base64Url.Encode(dek) });
        Assert.Equal(200, (int)encrypted.StatusCode);
        Assert.Equal(kid, cipher.GetProperty("kid").GetString());
        string cipherText = cipher.GetProperty("value").GetString()!;
        Assert.DoesNotContain('=', cipherText);
        Assert.Equal(342, cipherText.Length); // 256 bytes, unpadded base64url

        var (decrypted, plain) = await emulator.SendAsync(HttpMethod.Post, $"{path}/{backward}", new { alg, value = cipherText });
        Assert.Equal(200, (int)decrypted.StatusCode);
        Assert.Equal(Base64Url.Encode(dek), plain.GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("RSA1_5")]
    [InlineData("RSA-OAEP")]
    [InlineData("RSA-OAEP-256")]
    public async Task Decrypt_CiphertextMadeLocallyWithPublicKey_ReturnsPlaintext(string alg)
    {
        JsonElement key = (await emulator.CreateKeyAsync("public-key")).GetProperty("key");
        Assert.True(Base64Url.TryDecode(key.GetProperty("n").GetString(), out byte[] n));
        Assert.True(Base64Url.TryDecode(key.GetProperty("e").GetString(), out byte[] e));
        using RSA rsa = RSA.Create(new RSAParameters { Modulus = n, Exponent = e });
        Assert.True(KeyAlgorithm.TryGetPadding(alg, out RSAEncryptionPadding padding));
        byte[] cipher = rsa.Encrypt("healthcheck"u8.ToArray(), padding);

        var (response, plain) = await emulator.SendAsync(HttpMethod.Post, $"{new Uri(key.GetProperty("kid").GetString()!).AbsolutePath}/decrypt",
            new { alg, value = Base64Url.Encode(cipher) });
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(Base64Url.Encode("healthcheck"u8), plain.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Encrypt_EmptyVersionAsTrack1SdksSend_UsesLatestAndHasKeyVaultHeaders()
    {
        JsonElement key = (await emulator.CreateKeyAsync("latest-op")).GetProperty("key");
        var (response, body) = await emulator.SendAsync(HttpMethod.Post, "/keys/latest-op//encrypt",
            new { alg = "RSA-OAEP-256", value = "aGVsbG8" }, apiVersion: "2016-10-01");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(key.GetProperty("kid").GetString(), body.GetProperty("kid").GetString());
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-ms-request-id").Single(), out _));
        Assert.Equal("emulator", response.Headers.GetValues("x-ms-keyvault-region").Single());
        Assert.NotNull(response.Headers.Date);
    }

    [Theory]
    [InlineData("{\"alg\":\"RSA-OAEP-256\",\"value\":\"not base64!\"}")]
    [InlineData("{\"alg\":\"RSA-OAEP-256\",\"value\":\"a+b/\"}")]
    [InlineData("{\"alg\":\"A256GCM\",\"value\":\"aGVsbG8\"}")]
    [InlineData("{\"alg\":\"rsa-oaep-256\",\"value\":\"aGVsbG8\"}")]
    [InlineData("{\"value\":\"aGVsbG8\"}")]
    [InlineData("[]")]
    public async Task Encrypt_BadInput_Returns400BadParameter(string body)
    {
        await emulator.CreateKeyAsync("bad-input");
        var (response, error) = await emulator.SendAsync(HttpMethod.Post, "/keys/bad-input/encrypt", body);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("BadParameter", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Decrypt_WrongLengthOrGarbage_Returns400BadParameter()
    {
        await emulator.CreateKeyAsync("garbage");
        var (shortResponse, _) = await emulator.SendAsync(HttpMethod.Post, "/keys/garbage/decrypt", new { alg = "RSA-OAEP-256", value = "aGVsbG8" });
        Assert.Equal(400, (int)shortResponse.StatusCode);
        var (garbageResponse, error) = await emulator.SendAsync(HttpMethod.Post, "/keys/garbage/decrypt",
            new { alg = "RSA-OAEP-256", value = Base64Url.Encode(new byte[256]) });
        Assert.Equal(400, (int)garbageResponse.StatusCode);
        Assert.Equal("BadParameter", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Encrypt_UnknownKey_Returns404KeyNotFound()
    {
        var (response, error) = await emulator.SendAsync(HttpMethod.Post, "/keys/missing/0123456789abcdef0123456789abcdef/encrypt",
            new { alg = "RSA-OAEP-256", value = "aGVsbG8" });
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("KeyNotFound", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("encrypt")]
    [InlineData("decrypt")]
    [InlineData("wrapkey")]
    [InlineData("unwrapkey")]
    public async Task AnyOperation_DisabledKey_Returns403KeyDisabled(string operation)
    {
        JsonElement key = (await emulator.CreateKeyAsync("disabled")).GetProperty("key");
        string path = new Uri(key.GetProperty("kid").GetString()!).AbsolutePath;
        var (_, cipher) = await emulator.SendAsync(HttpMethod.Post, $"{path}/encrypt", new { alg = "RSA-OAEP-256", value = "aGVsbG8" });
        await emulator.SendAsync(HttpMethod.Patch, path, new { attributes = new { enabled = false } });

        var (response, error) = await emulator.SendAsync(HttpMethod.Post, $"{path}/{operation}",
            new { alg = "RSA-OAEP-256", value = cipher.GetProperty("value").GetString() });
        Assert.Equal(403, (int)response.StatusCode);
        Assert.Equal("Forbidden", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("KeyDisabled", error.GetProperty("error").GetProperty("innererror").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ExpiredKey_EncryptForbiddenButDecryptStillWorks()
    {
        JsonElement key = (await emulator.CreateKeyAsync("expired")).GetProperty("key");
        string path = new Uri(key.GetProperty("kid").GetString()!).AbsolutePath;
        var (_, cipher) = await emulator.SendAsync(HttpMethod.Post, $"{path}/wrapkey", new { alg = "RSA-OAEP-256", value = "aGVsbG8" });
        await emulator.SendAsync(HttpMethod.Patch, path, new { attributes = new { exp = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds() } });

        var (encrypt, error) = await emulator.SendAsync(HttpMethod.Post, $"{path}/encrypt", new { alg = "RSA-OAEP-256", value = "aGVsbG8" });
        Assert.Equal(403, (int)encrypt.StatusCode);
        Assert.Equal("KeyExpired", error.GetProperty("error").GetProperty("innererror").GetProperty("code").GetString());

        var (unwrap, plain) = await emulator.SendAsync(HttpMethod.Post, $"{path}/unwrapkey",
            new { alg = "RSA-OAEP-256", value = cipher.GetProperty("value").GetString() });
        Assert.Equal(200, (int)unwrap.StatusCode);
        Assert.Equal("aGVsbG8", plain.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Encrypt_KeyOpsWithoutEncrypt_Returns403()
    {
        var (created, bundle) = await emulator.SendAsync(HttpMethod.Post, "/keys/wrap-only/create", new { kty = "RSA", key_ops = new[] { "wrapKey", "unwrapKey" } });
        Assert.Equal(200, (int)created.StatusCode);
        var (response, error) = await emulator.SendAsync(HttpMethod.Post, "/keys/wrap-only/encrypt", new { alg = "RSA-OAEP-256", value = "aGVsbG8" });
        Assert.Equal(403, (int)response.StatusCode);
        Assert.Equal("KeyOperationForbidden", error.GetProperty("error").GetProperty("innererror").GetProperty("code").GetString());
        var (wrap, _) = await emulator.SendAsync(HttpMethod.Post, "/keys/wrap-only/wrapkey", new { alg = "RSA-OAEP-256", value = "aGVsbG8" });
        Assert.Equal(200, (int)wrap.StatusCode);
        Assert.Equal(2, bundle.GetProperty("key").GetProperty("key_ops").GetArrayLength());
    }

    [Fact]
    public async Task Encrypt_PlaintextTooLong_Returns400()
    {
        await emulator.CreateKeyAsync("too-long");
        var (response, _) = await emulator.SendAsync(HttpMethod.Post, "/keys/too-long/encrypt",
            new { alg = "RSA-OAEP-256", value = Base64Url.Encode(new byte[191]) }); // 256 - 2*32 - 2 = 190
        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task SeedKey_AdminApi_ReturnsKidVersionAndPublicKey()
    {
        JsonElement seeded = await emulator.AdminAsync(HttpMethod.Post, "/_emulator/keys",
            new { name = "seeded", size = 3072, version = "0123456789abcdef0123456789abcdef" });
        Assert.Equal($"{emulator.Url}keys/seeded/0123456789abcdef0123456789abcdef", seeded.GetProperty("kid").GetString());
        Assert.True(Base64Url.TryDecode(seeded.GetProperty("n").GetString(), out byte[] n));
        Assert.Equal(384, n.Length);
        var (response, _) = await emulator.SendAsync(HttpMethod.Post, "/keys/seeded/0123456789abcdef0123456789abcdef/encrypt",
            new { alg = "RSA1_5", value = "aGVsbG8" });
        Assert.Equal(200, (int)response.StatusCode);
    }
}
