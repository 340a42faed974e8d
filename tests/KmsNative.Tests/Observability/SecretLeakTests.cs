using System.Text;
using Google.Protobuf;
using Grpc.Core;
using KmsNative.Kms.Hosting;
using V1 = KmsNative.Kms.V1Beta1;
using V2 = KmsNative.Kms.V2;

namespace KmsNative.Tests.Observability;

/// <summary>
/// Runs every request path (v1 and v2, successes and failures, liveness and deep health, a scrape) at the highest
/// verbosity with known test secrets, and scans everything logged, in both formats, and the metrics text for them.
/// </summary>
public class SecretLeakTests
{
    private const string SecretPlaintext = "TEST-SECRET-DEK-7f3a9c1e5b2d4f60";

    [Fact]
    public async Task EveryRequestPath_LogsNoPlaintextAndNoFullCiphertext()
    {
        var log = new RecordingLog { Level = LogLevel.Debug };
        await using var server = OpsServer.Start(log: log);
        byte[] secret = Encoding.ASCII.GetBytes(SecretPlaintext);
        var ciphertexts = new List<byte[]>();

        V2.EncryptResponse encrypted = await server.Client.CallAsync("/v2.KeyManagementService/Encrypt",
            new V2.EncryptRequest { Plaintext = ByteString.CopyFrom(secret), Uid = "u-enc" }, V2.EncryptResponse.Parser, CancellationToken.None);
        ciphertexts.Add(encrypted.Ciphertext.ToByteArray());
        var decrypt = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId, Uid = "u-dec" };
        decrypt.Annotations.Add(encrypted.Annotations);
        await server.Client.CallAsync("/v2.KeyManagementService/Decrypt", decrypt, V2.DecryptResponse.Parser, CancellationToken.None);

        // Failures that carry the ciphertext: wrong key id, tampered ciphertext, v1 garbage.
        var wrongKey = new V2.DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = "not-the-key", Uid = "u-bad1" };
        await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync("/v2.KeyManagementService/Decrypt", wrongKey, V2.DecryptResponse.Parser, CancellationToken.None));
        byte[] tampered = encrypted.Ciphertext.ToByteArray();
        tampered[^1] ^= 1;
        ciphertexts.Add(tampered);
        var tamperedRequest = new V2.DecryptRequest { Ciphertext = ByteString.CopyFrom(tampered), KeyId = encrypted.KeyId, Uid = "u-bad2" };
        tamperedRequest.Annotations.Add(encrypted.Annotations);
        await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync("/v2.KeyManagementService/Decrypt", tamperedRequest, V2.DecryptResponse.Parser, CancellationToken.None));

        V1.EncryptResponse v1 = await server.Client.CallAsync("/v1beta1.KeyManagementService/Encrypt",
            new V1.EncryptRequest { Plain = ByteString.CopyFrom(secret) }, V1.EncryptResponse.Parser, CancellationToken.None);
        ciphertexts.Add(v1.Cipher.ToByteArray());
        await server.Client.CallAsync("/v1beta1.KeyManagementService/Decrypt", new V1.DecryptRequest { Cipher = v1.Cipher }, V1.DecryptResponse.Parser, CancellationToken.None);
        await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync("/v1beta1.KeyManagementService/Decrypt",
            new V1.DecryptRequest { Cipher = ByteString.CopyFrom(secret) }, V1.DecryptResponse.Parser, CancellationToken.None));
        await Assert.ThrowsAsync<RpcException>(() => server.Client.CallAsync("/v2.KeyManagementService/Encrypt",
            new V2.EncryptRequest { Uid = "u-empty" }, V2.EncryptResponse.Parser, CancellationToken.None));

        Assert.Equal(200, (await OpsServer.GetAsync(server.HealthzPort, "/healthz?deep=1")).Status);
        string metrics = (await OpsServer.GetAsync(server.MetricsPort, "/metrics")).Body;

        string[] logged = [.. log.Formatted(), metrics];
        Assert.NotEmpty(log.Lines);
        Assert.Contains(log.Lines, l => l.Message == "request failed");
        foreach (string needle in Needles(secret, ciphertexts))
        {
            foreach (string text in logged)
            {
                Assert.False(text.Contains(needle, StringComparison.OrdinalIgnoreCase), $"a logged line contains a secret or ciphertext form '{needle[..8]}…': {text}");
            }
        }
    }

    // The plaintext as text, hex and base64; each ciphertext as base64, base64url, hex and text (it is ASCII for Key Vault).
    private static IEnumerable<string> Needles(byte[] secret, List<byte[]> ciphertexts)
    {
        yield return SecretPlaintext;
        yield return Convert.ToHexString(secret);
        yield return Convert.ToBase64String(secret).TrimEnd('=');
        foreach (byte[] ciphertext in ciphertexts)
        {
            yield return Convert.ToBase64String(ciphertext).TrimEnd('=');
            yield return Convert.ToBase64String(ciphertext).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            yield return Convert.ToHexString(ciphertext);
            yield return Encoding.Latin1.GetString(ciphertext);
        }
    }
}
