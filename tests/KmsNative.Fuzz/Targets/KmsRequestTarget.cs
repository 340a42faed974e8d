using Google.Protobuf;
using Grpc.Core;
using KmsNative.Protocol.Grpc;

namespace KmsNative.Fuzz.Targets;

/// <summary>
/// KMS request messages through the request marshallers the generated <c>BindService</c> hands the server, with the
/// server's own <see cref="PayloadDeserializationContext"/>: the exact parse path of <c>UnaryMethod.Start</c>.
/// Expected: <see cref="InvalidProtocolBufferException"/>. Checked: an accepted message serializes and parses back
/// to an equal message, and zeroing its secrets (as the server does after the call) works on whatever was parsed.
/// </summary>
internal static class KmsRequestTarget
{
    private static readonly Func<ReadOnlyMemory<byte>, object>[] s_v2 = Capture(binder =>
        Kms.V2.KeyManagementService.BindService(binder, new V2Stub()));

    private static readonly Func<ReadOnlyMemory<byte>, object>[] s_v1Beta1 = Capture(binder =>
        Kms.V1Beta1.KeyManagementService.BindService(binder, new V1Beta1Stub()));

    public static void RunV2(ReadOnlySpan<byte> input) => Run(s_v2, input);

    public static void RunV1Beta1(ReadOnlySpan<byte> input) => Run(s_v1Beta1, input);

    private static void Run(Func<ReadOnlyMemory<byte>, object>[] parsers, ReadOnlySpan<byte> input)
    {
        // Byte 0 picks the method (in the order BindService adds them), the rest is the message.
        if (input.IsEmpty)
        {
            return;
        }

        var parse = parsers[input[0] % parsers.Length];
        // The server hands the parser memory from its pooled body; a copy here keeps the span's bytes alive.
        ReadOnlyMemory<byte> message = input[1..].ToArray();
        object request;
        try
        {
            request = parse(message);
        }
        catch (InvalidProtocolBufferException)
        {
            // The server answers INTERNAL "the request message could not be parsed": the documented rejection.
            return;
        }

        var parsed = (IMessage)request;
        byte[] again = parsed.ToByteArray();
        Invariant.Check(parsed.Equals(parse(again)), "a parsed request does not survive serialize and parse");
        (request as ISensitiveMessage)?.ZeroSecrets();
    }

    private static Func<ReadOnlyMemory<byte>, object>[] Capture(Action<ServiceBinderBase> bind)
    {
        var binder = new ParserCapture();
        bind(binder);
        return [.. binder.Parsers];
    }

    /// <summary>Keeps each unary method's request deserializer; the handlers are never called.</summary>
    private sealed class ParserCapture : ServiceBinderBase
    {
        public List<Func<ReadOnlyMemory<byte>, object>> Parsers { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            Parsers.Add(payload => method.RequestMarshaller.ContextualDeserializer(new PayloadDeserializationContext(payload)));
    }

    // BindService takes a service instance to make its handler delegates; the base classes' methods suffice.
    private sealed class V2Stub : Kms.V2.KeyManagementService.KeyManagementServiceBase;

    private sealed class V1Beta1Stub : Kms.V1Beta1.KeyManagementService.KeyManagementServiceBase;
}
