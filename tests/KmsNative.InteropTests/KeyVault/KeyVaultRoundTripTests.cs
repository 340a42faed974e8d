// SPDX-License-Identifier: MIT
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using V1 = KmsNative.Kms.V1Beta1;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// kube-apiserver's calls (grpc-go as it dials, and Grpc.Net.Client) → published plugin → Key Vault emulator, with the
/// key ids, ciphertext format and annotations of Azure/kubernetes-kms.
/// </summary>
public sealed class KeyVaultRoundTripTests(KeyVaultFixture fixture) : IClassFixture<KeyVaultFixture>
{
    private static readonly string[] s_goAnnotationKeys =
    [
        "date.azure.akv.io", "x-ms-request-id.azure.akv.io", "x-ms-keyvault-region.azure.akv.io",
        "version.azure.akv.io", "algorithm.azure.akv.io",
    ];

    [Theory]
    [InlineData("v2", "localhost")] // kube-apiserver's KMS v2 client
    [InlineData("v1", "path")]      // its KMS v1 client: :authority is the socket path
    public async Task KmsClientGo_Scenario_PassesWithGoKeyId(string scenario, string authority)
    {
        // Status answers from the background check only (it never calls Key Vault): wait until the first one is done.
        using (GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath))
        {
            await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel);
        }

        List<string> arguments = ["-socket", fixture.Plugin.SocketPath, "-authority", authority, "-scenario", scenario];

        (int exitCode, string output) = await CapturedProcess.RunAsync(InteropPaths.GoClient, arguments, PeerScenarios.RunTimeout);

        string failure = $"kmsclient-go {string.Join(' ', arguments)} exited {exitCode}:\n{output}\n--- kmsnative ---\n{fixture.Plugin.Output}";
        Assert.True(exitCode == 0, failure);
        if (scenario == "v2")
        {
            Assert.True(output.Contains($"key_id=\"{fixture.Key.GoKeyId}\"", StringComparison.Ordinal), failure);
        }
    }

    [Fact]
    public async Task V2Status_ClientSecret_ReportsV2beta1OkAndGoKeyId()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);

        V2.StatusResponse status = await KeyVaultPlugin.StatusAfterStartupCheckAsync(channel);

        Assert.Equal("v2beta1", status.Version);
        Assert.Equal("ok", status.Healthz);
        Assert.Equal(fixture.Key.GoKeyId, status.KeyId);
    }

    [Fact]
    public async Task V2EncryptDecrypt_Dek_GoCiphertextFormatAndAnnotations()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        await fixture.Emulator.ResetCountersAsync();

        V2.EncryptResponse encrypted = await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(dek), Uid = "e2e-v2" }, KeyVaultPlugin.Options());
        V2.DecryptResponse decrypted = await client.DecryptAsync(DecryptRequest(encrypted), KeyVaultPlugin.Options());

        // RSA-2048 → 256 bytes → 342 characters of unpadded base64url, stored as their ASCII bytes.
        Assert.Equal(342, encrypted.Ciphertext.Length);
        AssertBase64UrlText(encrypted.Ciphertext.Span);
        Assert.Equal(fixture.Key.GoKeyId, encrypted.KeyId);
        Assert.Equal(s_goAnnotationKeys.Order(StringComparer.Ordinal), encrypted.Annotations.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1", encrypted.Annotations["version.azure.akv.io"].ToStringUtf8());
        Assert.Equal("RSA-OAEP-256", encrypted.Annotations["algorithm.azure.akv.io"].ToStringUtf8());
        Assert.Equal("emulator", encrypted.Annotations["x-ms-keyvault-region.azure.akv.io"].ToStringUtf8());
        // The emulator's x-ms-request-id is a GUID per request, and Date an RFC 1123 time.
        Assert.True(Guid.TryParse(encrypted.Annotations["x-ms-request-id.azure.akv.io"].ToStringUtf8(), out _));
        Assert.True(DateTimeOffset.TryParseExact(encrypted.Annotations["date.azure.akv.io"].ToStringUtf8(), "r",
                                                 CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
        Assert.Equal(dek, decrypted.Plaintext.ToByteArray());
        var counters = await fixture.Emulator.GetCountersAsync();
        Assert.Equal(1, KeyVaultEmulatorProcess.Count(counters, "requests", "encrypt"));
        Assert.Equal(1, KeyVaultEmulatorProcess.Count(counters, "requests", "decrypt"));
    }

    [Fact]
    public async Task V1EncryptDecrypt_Dek_Base64UrlCipherRoundTrips()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);
        var client = new V1.KeyManagementService.KeyManagementServiceClient(channel);
        byte[] dek = RandomNumberGenerator.GetBytes(32);

        V1.VersionResponse version = await client.VersionAsync(new V1.VersionRequest { Version = "v1beta1" }, KeyVaultPlugin.Options());
        V1.EncryptResponse encrypted = await client.EncryptAsync(
            new V1.EncryptRequest { Version = "v1beta1", Plain = ByteString.CopyFrom(dek) }, KeyVaultPlugin.Options());
        V1.DecryptResponse decrypted = await client.DecryptAsync(
            new V1.DecryptRequest { Version = "v1beta1", Cipher = encrypted.Cipher }, KeyVaultPlugin.Options());

        Assert.Equal("v1beta1", version.Version);
        Assert.Equal(342, encrypted.Cipher.Length);
        AssertBase64UrlText(encrypted.Cipher.Span);
        Assert.Equal(dek, decrypted.Plain.ToByteArray());
    }

    [Fact]
    public async Task V2Decrypt_CiphertextBuiltOutsideFromPublicKey_DecryptsWithGoKeyIdAndAnnotations()
    {
        // What Azure/kubernetes-kms stored in etcd: RSA-OAEP-256 under the vault key, unpadded base64url ASCII, with
        // its key_id and annotations. Built here from the key's public part alone (n, e), not by KmsNative.
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        using RSA publicKey = fixture.Key.CreatePublicKey();
        string ciphertext = Base64Url.Encode(publicKey.Encrypt(dek, RSAEncryptionPadding.OaepSHA256));
        var request = new V2.DecryptRequest
        {
            Ciphertext = ByteString.CopyFrom(Encoding.ASCII.GetBytes(ciphertext)),
            KeyId = fixture.Key.GoKeyId,
            Uid = "e2e-go-ciphertext",
        };
        request.Annotations.Add("date.azure.akv.io", ByteString.CopyFromUtf8("Mon, 02 Jan 2006 15:04:05 GMT"));
        request.Annotations.Add("x-ms-request-id.azure.akv.io", ByteString.CopyFromUtf8("6f7c0a8e-3d9b-4c2e-9a41-0b5e8f3d2c11"));
        request.Annotations.Add("x-ms-keyvault-region.azure.akv.io", ByteString.CopyFromUtf8("westeurope"));
        request.Annotations.Add("version.azure.akv.io", ByteString.CopyFromUtf8("1"));
        request.Annotations.Add("algorithm.azure.akv.io", ByteString.CopyFromUtf8("RSA-OAEP-256"));
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);

        V2.DecryptResponse decrypted = await client.DecryptAsync(request, KeyVaultPlugin.Options());

        Assert.Equal(dek, decrypted.Plaintext.ToByteArray());
    }

    [Fact]
    public async Task V1Decrypt_CiphertextBuiltOutsideWithRsa15_Decrypts()
    {
        // Azure/kubernetes-kms's KMS v1 data: RSA1_5 (PKCS#1 v1.5), base64url ASCII.
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        using RSA publicKey = fixture.Key.CreatePublicKey();
        string cipher = Base64Url.Encode(publicKey.Encrypt(dek, RSAEncryptionPadding.Pkcs1));
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);
        var client = new V1.KeyManagementService.KeyManagementServiceClient(channel);

        V1.DecryptResponse decrypted = await client.DecryptAsync(
            new V1.DecryptRequest { Version = "v1beta1", Cipher = ByteString.CopyFrom(Encoding.ASCII.GetBytes(cipher)) },
            KeyVaultPlugin.Options());

        Assert.Equal(dek, decrypted.Plain.ToByteArray());
    }

    [Theory]
    [InlineData("v2", "RSA-OAEP-256")]
    [InlineData("v1", "RSA1_5")]
    public async Task Encrypt_Dek_KeyVaultDecryptsWithGoAlgorithm(string api, string algorithm)
    {
        // The other direction: what KmsNative stores, the Go plugin (or any Key Vault client) can unwrap.
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);
        ByteString stored;
        if (api == "v2")
        {
            var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
            stored = (await client.EncryptAsync(new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(dek) }, KeyVaultPlugin.Options())).Ciphertext;
        }
        else
        {
            var client = new V1.KeyManagementService.KeyManagementServiceClient(channel);
            stored = (await client.EncryptAsync(new V1.EncryptRequest { Version = "v1beta1", Plain = ByteString.CopyFrom(dek) }, KeyVaultPlugin.Options())).Cipher;
        }

        byte[] plaintext = await fixture.Emulator.DecryptWithKeyVaultAsync(fixture.Key, algorithm, Encoding.ASCII.GetString(stored.Span));

        Assert.Equal(dek, plaintext);
    }

    [Fact]
    public async Task V2Decrypt_KeyIdOfAnotherVersion_InvalidArgumentWithoutKeyVaultCall()
    {
        using GrpcChannel channel = UdsGrpcChannel.Create(fixture.Plugin.SocketPath);
        var client = new V2.KeyManagementService.KeyManagementServiceClient(channel);
        V2.EncryptResponse encrypted = await client.EncryptAsync(
            new V2.EncryptRequest { Plaintext = ByteString.CopyFromUtf8("secret") }, KeyVaultPlugin.Options());
        V2.DecryptRequest request = DecryptRequest(encrypted);
        request.KeyId = (fixture.Key with { Version = "0123456789abcdef0123456789abcdef" }).GoKeyId;

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(
            () => client.DecryptAsync(request, KeyVaultPlugin.Options()).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(fixture.Key.GoKeyId, error.Status.Detail, StringComparison.Ordinal);
    }

    internal static V2.DecryptRequest DecryptRequest(V2.EncryptResponse encrypted)
    {
        var request = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId, Uid = "e2e" };
        request.Annotations.Add(encrypted.Annotations);
        return request;
    }

    private static void AssertBase64UrlText(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
        {
            Assert.True(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_', $"byte 0x{b:x2} is not base64url text");
        }
    }
}
