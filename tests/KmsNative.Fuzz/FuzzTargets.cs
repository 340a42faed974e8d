using KmsNative.Fuzz.Targets;

namespace KmsNative.Fuzz;

/// <summary>Every target, in the order build/fuzz.sh runs them.</summary>
internal static class FuzzTargets
{
    public static readonly FuzzTarget[] All =
    [
        new("frame-reader", "HTTP/2 FrameReader.TryRead over a byte stream (RFC 9113 §4.1)", FrameReaderTarget.Run),
        new("hpack", "HpackDecoder.Decode of consecutive header blocks into the request collector (RFC 7541)", HpackTarget.Run),
        new("http2-payloads", "frames cut by FrameReader, read by PayloadReader, HEADERS+CONTINUATION assembled and decoded", PayloadTarget.Run),
        new("grpc-framing", "GrpcFraming.ReadUnaryMessage: the 5-byte length prefix of a unary request body", GrpcFramingTarget.Run),
        new("grpc-timeout", "GrpcTimeout.TryParse of a grpc-timeout header value", GrpcTimeoutTarget.Run),
        new("kms-v2", "KMS v2 Status/Encrypt/Decrypt requests through the generated gRPC request marshallers", KmsRequestTarget.RunV2),
        new("kms-v1beta1", "KMS v1beta1 Version/Encrypt/Decrypt requests through the generated gRPC request marshallers", KmsRequestTarget.RunV1Beta1),
        new("azure-json", "AzureConfigParser.Parse: azure.json as bytes (JSON, falling back to YAML)", AzureConfigTarget.RunJson),
        new("azure-yaml", "AzureConfigYaml.Parse: azure.json as YAML text", AzureConfigTarget.RunYaml),
        new("flags", "Options.Parse: the command line, arguments separated by NUL bytes", FlagsTarget.Run),
    ];

    /// <summary>
    /// Not a parser: crashes on any input that starts with '!'. Proves that an escaping exception reaches AFL as a crash
    /// (build/fuzz.sh self-check); not in <see cref="All"/>.
    /// </summary>
    public static readonly FuzzTarget SelfCheck = new("self-check", "crashes on input starting with '!': checks that AFL sees crashes",
        input =>
        {
            // Through an instrumented parser first, so AFL sees coverage (the harness assembly is not instrumented).
            _ = Protocol.Grpc.GrpcTimeout.TryParse(input, out _);
            if (input.StartsWith("!"u8))
            {
                throw new InvalidOperationException("self-check crash");
            }
        });

    public static FuzzTarget? Find(string name) => name == SelfCheck.Name ? SelfCheck : Array.Find(All, t => t.Name == name);
}
