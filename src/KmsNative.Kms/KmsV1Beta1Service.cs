using Google.Protobuf;
using Grpc.Core;
using KmsNative.Kms.V1Beta1;

namespace KmsNative.Kms;

/// <summary>
/// KMS v1beta1 (/v1beta1.KeyManagementService), deprecated in Kubernetes 1.28 and off by default since 1.29,
/// kept because clusters still read data it wrote. Version answers as Azure/kubernetes-kms does.
/// </summary>
internal sealed class KmsV1Beta1Service : KeyManagementService.KeyManagementServiceBase
{
    public const string ApiVersion = "v1beta1";
    public const string RuntimeName = "Microsoft AzureKMS";

    private readonly IKmsBackend _backend;
    private readonly string _runtimeVersion;

    public KmsV1Beta1Service(IKmsBackend backend, string runtimeVersion)
    {
        _backend = backend;
        _runtimeVersion = runtimeVersion;
    }

    public override Task<VersionResponse> Version(VersionRequest request, ServerCallContext context) =>
        Task.FromResult(new VersionResponse { Version = ApiVersion, RuntimeName = RuntimeName, RuntimeVersion = _runtimeVersion });

    public override async Task<EncryptResponse> Encrypt(EncryptRequest request, ServerCallContext context)
    {
        if (request.Plain.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "plain is empty"));
        }

        EncryptedDek result = await _backend.EncryptAsync(KmsApiVersion.V1Beta1, request.Plain.Memory, context.CancellationToken).ConfigureAwait(false);
        return new EncryptResponse { Cipher = UnsafeByteOperations.UnsafeWrap(result.Ciphertext) };
    }

    public override async Task<DecryptResponse> Decrypt(DecryptRequest request, ServerCallContext context)
    {
        if (request.Cipher.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "cipher is empty"));
        }

        var input = new DecryptInput(request.Cipher.Memory, "", s_noAnnotations);
        byte[] plaintext = await _backend.DecryptAsync(KmsApiVersion.V1Beta1, input, context.CancellationToken).ConfigureAwait(false);
        return new DecryptResponse { Plain = UnsafeByteOperations.UnsafeWrap(plaintext) };
    }

    private static readonly Dictionary<string, ByteString> s_noAnnotations = [];
}
