using System.Text;
using Google.Protobuf;
using KmsNative.Protocol.Hpack;
using KmsNative.Protocol.Http2;
using static KmsNative.Http2Testing.Http2TestPeer;

namespace KmsNative.Fuzz;

/// <summary>
/// The known-good (and a few known-bad) inputs every target starts from, built from the real message types. The files in
/// Seeds/ are written by <c>KmsNative.Fuzz write-seeds</c> and checked in; a test keeps them equal to this.
/// </summary>
internal static class SeedCorpus
{
    public static IEnumerable<(string Target, string Name, byte[] Bytes)> All()
    {
        foreach (var (name, bytes) in FrameStreams())
        {
            yield return ("frame-reader", name, [0, .. bytes]);
            yield return ("http2-payloads", name, bytes);
        }

        foreach (var (name, bytes) in HeaderBlocks())
        {
            yield return ("hpack", name, bytes);
        }

        foreach (var (name, bytes) in GrpcBodies())
        {
            yield return ("grpc-framing", name, bytes);
        }

        foreach (string value in new[] { "2995457u", "2980m", "5S", "1H", "0n", "99999999M", "1n", "100000000n" })
        {
            yield return ("grpc-timeout", value, Encoding.ASCII.GetBytes(value));
        }

        // Byte 0 is the method index, in BindService's order (v2: Status, Decrypt, Encrypt; v1beta1: Version, Decrypt, Encrypt).
        yield return ("kms-v2", "status", [0]);
        yield return ("kms-v2", "decrypt", [1, .. new Kms.V2.DecryptRequest
        {
            Ciphertext = ByteString.CopyFrom(new byte[64]), Uid = "5c2d1b4a-uid", KeyId = "k1",
            Annotations = { ["version.azure.akv.io"] = ByteString.CopyFromUtf8("1"), ["algorithm.azure.akv.io"] = ByteString.CopyFromUtf8("RSA-OAEP-256") },
        }.ToByteArray()]);
        yield return ("kms-v2", "encrypt", [2, .. new Kms.V2.EncryptRequest { Plaintext = ByteString.CopyFrom(new byte[32]), Uid = "5c2d1b4a-uid" }.ToByteArray()]);
        yield return ("kms-v1beta1", "version", [0, .. new Kms.V1Beta1.VersionRequest { Version = "v1beta1" }.ToByteArray()]);
        yield return ("kms-v1beta1", "decrypt", [1, .. new Kms.V1Beta1.DecryptRequest { Version = "v1beta1", Cipher = ByteString.CopyFrom(new byte[48]) }.ToByteArray()]);
        yield return ("kms-v1beta1", "encrypt", [2, .. new Kms.V1Beta1.EncryptRequest { Version = "v1beta1", Plain = ByteString.CopyFrom(new byte[32]) }.ToByteArray()]);

        foreach (var (name, text) in AzureConfigs())
        {
            yield return (name.EndsWith("yaml", StringComparison.Ordinal) ? "azure-yaml" : "azure-json", name, Encoding.UTF8.GetBytes(text));
        }

        // The JSON parser falls back to YAML, so the YAML files are its seeds too.
        foreach (var (name, text) in AzureConfigs().Where(c => c.Name.EndsWith("yaml", StringComparison.Ordinal)))
        {
            yield return ("azure-json", name, Encoding.UTF8.GetBytes(text));
        }

        foreach (var (name, args) in CommandLines())
        {
            yield return ("flags", name, Encoding.UTF8.GetBytes(string.Join('\0', args)));
        }
    }

    /// <summary>Writes every seed as Seeds/&lt;target&gt;/&lt;name&gt;, replacing what was there.</summary>
    public static void Write(string directory)
    {
        foreach (var group in All().GroupBy(s => s.Target))
        {
            string folder = Path.Combine(directory, group.Key);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.CreateDirectory(folder);
            foreach (var (_, name, bytes) in group)
            {
                File.WriteAllBytes(Path.Combine(folder, name), bytes);
            }
        }
    }

    private static IEnumerable<(string Name, byte[] Bytes)> FrameStreams()
    {
        byte[] encrypt = GrpcMessage(new Kms.V2.EncryptRequest { Plaintext = ByteString.CopyFrom(new byte[32]) }.ToByteArray());
        byte[] block = HeaderBlock(GrpcRequest("/v2.KeyManagementService/Encrypt", ("grpc-timeout", "2995457u")));
        yield return ("settings", Settings((SettingsParameter.HeaderTableSize, 4096), (SettingsParameter.EnablePush, 0),
            (SettingsParameter.InitialWindowSize, 65_535), (SettingsParameter.MaxFrameSize, 16_384)));
        yield return ("encrypt-call", [.. Settings(), .. Headers(1, endStream: false, GrpcRequest("/v2.KeyManagementService/Encrypt")),
            .. Data(1, encrypt, endStream: true)]);
        yield return ("continuation", [.. Frame(FrameType.Headers, FrameFlags.None, 1, block.AsSpan(0, 20)),
            .. Frame(FrameType.Continuation, FrameFlags.None, 1, block.AsSpan(20, 20)),
            .. Frame(FrameType.Continuation, FrameFlags.EndHeaders, 1, block.AsSpan(40)), .. Data(1, encrypt, endStream: true)]);
        yield return ("padded-priority", [
            .. Frame(FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.Padded | FrameFlags.Priority, 3, [2, 0, 0, 0, 1, 16, .. block, 0, 0]),
            .. Frame(FrameType.Data, FrameFlags.Padded | FrameFlags.EndStream, 3, [4, .. encrypt, 0, 0, 0, 0])]);
        yield return ("control", [.. Ping([1, 2, 3, 4, 5, 6, 7, 8]), .. Ping(new byte[8], ack: true), .. WindowUpdate(0, 1_000),
            .. WindowUpdate(1, 65_535), .. RstStream(1, Http2ErrorCode.Cancel), .. Frame(FrameType.Priority, FrameFlags.None, 5, [0, 0, 0, 3, 15]),
            .. Frame(FrameType.Settings, FrameFlags.Ack, 0, []), .. Frame(FrameType.GoAway, FrameFlags.None, 0, [0, 0, 0, 1, 0, 0, 0, 0, 0x64, 0x62, 0x67])]);
        yield return ("unknown-type", Frame((FrameType)0xFA, FrameFlags.None, 7, [1, 2, 3]));
    }

    private static IEnumerable<(string Name, byte[] Bytes)> HeaderBlocks()
    {
        // Byte 0: decoder limits (see HpackTarget); then 16-bit length-prefixed blocks decoded in order.
        (string, string)[] kubeFields =
        [
            (":method", "POST"), (":scheme", "http"), (":path", "/v2.KeyManagementService/Encrypt"), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("user-agent", "grpc-go/1.33.0"), ("te", "trailers"), ("grpc-timeout", "2995457u"),
        ];
        byte[] literal = HeaderBlock(kubeFields);
        byte[] indexed = IndexedKubeBlock(kubeFields, huffman: false);
        byte[] huffman = IndexedKubeBlock(kubeFields, huffman: true);
        yield return ("kube-literal", [0, .. Chunks.Join(literal)]);
        // The second block of a connection: all eight fields from the table (62..69, newest first).
        yield return ("kube-indexed-twice", [0, .. Chunks.Join(indexed, [0x83, 0x86, 0xC3, 0xC2, 0xC1, 0xC0, 0xBF, 0xBE])]);
        yield return ("kube-huffman", [0, .. Chunks.Join(huffman, huffman)]);
        yield return ("size-update", [0, .. Chunks.Join([0x3F, 0xE1, 0x1F, .. indexed], [0x20, 0x83])]);
        // RFC 7541 C.3 and C.6 (the latter with a 256-byte table: eviction).
        yield return ("rfc7541-c3", [0, .. Chunks.Join(Convert.FromHexString("828684410f7777772e6578616d706c652e636f6d"),
            Convert.FromHexString("828684be58086e6f2d6361636865"),
            Convert.FromHexString("828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"))]);
        yield return ("rfc7541-c6", [2, .. Chunks.Join(
            Convert.FromHexString("488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3"),
            Convert.FromHexString("4883640effc1c0bf"),
            Convert.FromHexString("88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007"))]);
        yield return ("trailers-small-limit", [0x0C, .. Chunks.Join(literal, HeaderBlock(("grpc-status", "0")))]);
    }

    // What grpc-go sends: fields not whole in the static table as literals with incremental indexing, name by index.
    private static byte[] IndexedKubeBlock((string Name, string Value)[] fields, bool huffman)
    {
        var block = new List<byte> { 0x83, 0x86 };
        foreach ((string name, string value) in fields[2..])
        {
            int nameIndex = name switch { ":path" => 4, ":authority" => 1, "content-type" => 31, "user-agent" => 58, _ => 0 };
            block.Add((byte)(0x40 | nameIndex));
            if (nameIndex == 0)
            {
                block.AddRange(HpackString(name, huffman));
            }

            block.AddRange(HpackString(value, huffman));
        }

        return [.. block];
    }

    // RFC 7541 §5.2: H, a 7-bit-prefix length, the octets.
    private static byte[] HpackString(string text, bool huffman)
    {
        byte[] raw = Encoding.ASCII.GetBytes(text);
        byte[] octets = raw;
        if (huffman)
        {
            octets = new byte[Huffman.GetEncodedLength(raw)];
            Huffman.TryEncode(raw, octets, out _);
        }

        byte[] result = new byte[octets.Length + 5];
        IntegerCodec.TryEncode(octets.Length, 7, huffman ? (byte)0x80 : (byte)0, result, out int prefixLength);
        octets.CopyTo(result, prefixLength);
        return result[..(prefixLength + octets.Length)];
    }

    private static IEnumerable<(string Name, byte[] Bytes)> GrpcBodies()
    {
        // Byte 0: even for the 4 MiB default limit, odd for a limit of byte0 >> 1.
        byte[] encrypt = new Kms.V2.EncryptRequest { Plaintext = ByteString.CopyFrom(new byte[32]) }.ToByteArray();
        yield return ("encrypt", [0, .. GrpcMessage(encrypt)]);
        yield return ("empty-message", [0, .. GrpcMessage([])]);
        yield return ("compressed", [0, .. GrpcMessage(encrypt, compressedFlag: 1)]);
        yield return ("small-limit", [0x21, .. GrpcMessage(encrypt)]);
        yield return ("two-messages", [0, .. GrpcMessage([1]), .. GrpcMessage([2])]);
    }

    private static IEnumerable<(string Name, string Text)> AzureConfigs()
    {
        yield return ("client-secret.json", """
            {
              "cloud": "AzurePublicCloud",
              "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
              "aadClientId": "c1",
              "aadClientSecret": "s3cr3t",
              "resourceGroup": "rg",
              "location": "westeurope",
              "useManagedIdentityExtension": false,
              "userAssignedIdentityID": ""
            }
            """);
        yield return ("managed-identity.json", """{"cloud":"AzureUSGovernmentCloud","tenantId":"t","useManagedIdentityExtension":true,"userAssignedIdentityID":"11111111-2222-3333-4444-555555555555","vmType":"vmss","maximumLoadBalancerRuleCount":250}""");
        yield return ("workload-identity.json", "\uFEFF{\"tenantId\":\"t\",\"aadClientId\":\"c\",\"aadFederatedTokenFile\":\"/var/run/secrets/azure/tokens/azure-identity-token\",\"useFederatedWorkloadIdentityExtension\":true,\"extra\":{\"nested\":[1,2.5e3,null,\"x\"]}}");
        yield return ("certificate.json", """{"cloud":"AzureStackCloud","aadClientId":"c","aadClientCertPath":"/etc/kubernetes/cert.pfx","aadClientCertPassword":"p\u00e4ss\"","tenantId":null}""");
        yield return ("block.yaml", """
            # azure.json as aks-engine writes it, in YAML
            ---
            cloud: AzurePublicCloud
            tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47"
            aadClientId: 'client id'
            aadClientSecret: s3cr3t:with#hash   # a comment
            useManagedIdentityExtension: false
            userAssignedIdentityID: ""
            aadClientCertPassword: 'it''s'
            tags:
              - a
              - {b: c}
            useFederatedWorkloadIdentityExtension: true
            """);
        yield return ("flow.yaml", "{cloud: AzureChinaCloud, 'tenantId': t, aadClientId: \"c\\u0041\", useManagedIdentityExtension: true, nested: {a: [1, 2]},}\n...\n");
    }

    private static IEnumerable<(string Name, string[] Args)> CommandLines()
    {
        yield return ("none", []);
        yield return ("aks", ["--listen-addr=unix:///opt/azurekms.socket", "--keyvault-name=kv", "--key-name=k", "--key-version=0123abcd",
            "--managed-hsm=false", "--log-format-json=true", "-v=2", "--healthz-port=8787", "--healthz-path=/healthz",
            "--healthz-timeout=20s", "--metrics-backend=prometheus", "--metrics-addr=8095", "--config-file-path=/etc/kubernetes/azure.json"]);
        yield return ("ours", ["-backend", "in-memory", "-socket-mode", "0660", "--shutdown-grace-period", "1m30.5s", "--dek-cache-size=0",
            "--dek-cache-ttl=1h", "--local-encrypt=false", "--key-recheck-interval", "300ms", "--in-memory-delay=1us", "--listen-addr", "unix:///@abstract"]);
        yield return ("proxy", ["--proxy-mode", "--proxy-address=10.0.0.1", "--proxy-port=-1", "--disable-healthz", "--disable-metrics=true", "--", "rest"]);
        yield return ("help", ["-h"]);
        yield return ("bad", ["--v=0x10", "--healthz-port=99999999999", "--unknown", "-=x"]);
    }
}
