using Google.Protobuf;
using Grpc.Core;
using KmsNative.Kms.Observability;
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
    private readonly KmsTelemetry _telemetry;

    /// <param name="telemetry">Where each call's duration, outcome and log lines go; none when null.</param>
    public KmsV1Beta1Service(IKmsBackend backend, string runtimeVersion, KmsTelemetry? telemetry = null)
    {
        _backend = backend;
        _runtimeVersion = runtimeVersion;
        _telemetry = telemetry ?? KmsTelemetry.Unobserved();
    }

    public override Task<VersionResponse> Version(VersionRequest request, ServerCallContext context)
    {
        long started = _telemetry.Started(KmsMethod.V1Version, "");
        _telemetry.Succeeded(KmsMethod.V1Version, started, context, "");
        return Task.FromResult(new VersionResponse { Version = ApiVersion, RuntimeName = RuntimeName, RuntimeVersion = _runtimeVersion });
    }

    public override async Task<EncryptResponse> Encrypt(EncryptRequest request, ServerCallContext context)
    {
        long started = _telemetry.Started(KmsMethod.V1Encrypt, "");
        try
        {
            EncryptResponse response = await EncryptCoreAsync(request, context).ConfigureAwait(false);
            _telemetry.Succeeded(KmsMethod.V1Encrypt, started, context, "");
            return response;
        }
        catch (Exception ex)
        {
            _telemetry.Failed(KmsMethod.V1Encrypt, started, ex, context, "", keyId: null);
            throw;
        }
    }

    public override async Task<DecryptResponse> Decrypt(DecryptRequest request, ServerCallContext context)
    {
        long started = _telemetry.Started(KmsMethod.V1Decrypt, "");
        try
        {
            DecryptResponse response = await DecryptCoreAsync(request, context).ConfigureAwait(false);
            _telemetry.Succeeded(KmsMethod.V1Decrypt, started, context, "");
            return response;
        }
        catch (Exception ex)
        {
            _telemetry.Failed(KmsMethod.V1Decrypt, started, ex, context, "", keyId: null);
            throw;
        }
    }

    // ValueTask: a call the backend answers synchronously allocates no Task for this inner step.
    private async ValueTask<EncryptResponse> EncryptCoreAsync(EncryptRequest request, ServerCallContext context)
    {
        if (request.Plain.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "plain is empty"));
        }

        EncryptedDek result = await _backend.EncryptAsync(KmsApiVersion.V1Beta1, request.Plain.Memory, context.Deadline, context.CancellationToken).ConfigureAwait(false);
        return new EncryptResponse { Cipher = UnsafeByteOperations.UnsafeWrap(result.Ciphertext) };
    }

    private async ValueTask<DecryptResponse> DecryptCoreAsync(DecryptRequest request, ServerCallContext context)
    {
        if (request.Cipher.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "cipher is empty"));
        }

        var input = new DecryptInput(request.Cipher.Memory, "", s_noAnnotations);
        byte[] plaintext = await _backend.DecryptAsync(KmsApiVersion.V1Beta1, input, context.Deadline, context.CancellationToken).ConfigureAwait(false);
        return new DecryptResponse { Plain = UnsafeByteOperations.UnsafeWrap(plaintext) };
    }

    private static readonly Dictionary<string, ByteString> s_noAnnotations = [];
}
