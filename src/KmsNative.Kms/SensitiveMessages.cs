using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using KmsNative.Protocol.Grpc;

// The messages that carry a plaintext DEK. The server calls ZeroSecrets once the handler is done with the
// request and once the response is serialized, so no copy of a DEK outlives its call in managed memory we own.

namespace KmsNative.Kms.V2
{
    internal sealed partial class EncryptRequest : ISensitiveMessage
    {
        public void ZeroSecrets() => SensitiveBytes.Zero(Plaintext);
    }

    internal sealed partial class DecryptResponse : ISensitiveMessage
    {
        public void ZeroSecrets() => SensitiveBytes.Zero(Plaintext);
    }
}

namespace KmsNative.Kms.V1Beta1
{
    internal sealed partial class EncryptRequest : ISensitiveMessage
    {
        public void ZeroSecrets() => KmsNative.Kms.SensitiveBytes.Zero(Plain);
    }

    internal sealed partial class DecryptResponse : ISensitiveMessage
    {
        public void ZeroSecrets() => KmsNative.Kms.SensitiveBytes.Zero(Plain);
    }
}

namespace KmsNative.Kms
{
    internal static class SensitiveBytes
    {
        /// <summary>
        /// Zeroes a ByteString in place. ByteString is immutable by contract, so this is only for strings this
        /// process owns: parsed from a request (protobuf copied them) or wrapped around our own arrays.
        /// </summary>
        public static void Zero(ByteString value) =>
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsMemory(value.Memory).Span);
    }
}
