using Google.Protobuf;
using Grpc.Core;
using KmsNative.Kms.Observability;
using KmsNative.Kms.V2;

namespace KmsNative.Kms;

/// <summary>
/// KMS v2 (/v2.KeyManagementService). Status reports version "v2beta1", as Azure/kubernetes-kms does:
/// kube-apiserver accepts v2 and v2beta1 but rejects a change of it within one apiserver process.
/// </summary>
internal sealed class KmsV2Service : KeyManagementService.KeyManagementServiceBase
{
    public const string StatusVersion = "v2beta1";

    private readonly IKmsBackend _backend;
    private readonly KmsTelemetry _telemetry;

    /// <param name="telemetry">Where each call's duration, outcome and log lines go; none when null.</param>
    public KmsV2Service(IKmsBackend backend, KmsTelemetry? telemetry = null)
    {
        _backend = backend;
        _telemetry = telemetry ?? KmsTelemetry.Unobserved();
    }

    public override async Task<StatusResponse> Status(StatusRequest request, ServerCallContext context)
    {
        long started = _telemetry.Started(KmsMethod.V2Status, "");
        try
        {
            BackendStatus status = await _backend.GetStatusAsync(context.CancellationToken).ConfigureAwait(false);
            _telemetry.Succeeded(KmsMethod.V2Status, started, context, "");
            return new StatusResponse
            {
                Version = StatusVersion,
                Healthz = status.Healthy ? "ok" : status.Reason,
                KeyId = status.KeyId,
            };
        }
        catch (Exception ex)
        {
            _telemetry.Failed(KmsMethod.V2Status, started, ex, context, "", keyId: null);
            throw;
        }
    }

    public override async Task<EncryptResponse> Encrypt(EncryptRequest request, ServerCallContext context)
    {
        long started = _telemetry.Started(KmsMethod.V2Encrypt, request.Uid);
        try
        {
            EncryptResponse response = await EncryptCoreAsync(request, context).ConfigureAwait(false);
            _telemetry.Succeeded(KmsMethod.V2Encrypt, started, context, request.Uid);
            return response;
        }
        catch (Exception ex)
        {
            _telemetry.Failed(KmsMethod.V2Encrypt, started, ex, context, request.Uid, keyId: null);
            throw;
        }
    }

    public override async Task<DecryptResponse> Decrypt(DecryptRequest request, ServerCallContext context)
    {
        long started = _telemetry.Started(KmsMethod.V2Decrypt, request.Uid);
        try
        {
            DecryptResponse response = await DecryptCoreAsync(request, context).ConfigureAwait(false);
            _telemetry.Succeeded(KmsMethod.V2Decrypt, started, context, request.Uid);
            return response;
        }
        catch (Exception ex)
        {
            _telemetry.Failed(KmsMethod.V2Decrypt, started, ex, context, request.Uid, request.KeyId);
            throw;
        }
    }

    // ValueTask: a call the backend answers synchronously allocates no Task for this inner step.
    private async ValueTask<EncryptResponse> EncryptCoreAsync(EncryptRequest request, ServerCallContext context)
    {
        if (request.Plaintext.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "plaintext is empty"));
        }

        EncryptedDek result = await _backend.EncryptAsync(KmsApiVersion.V2, request.Plaintext.Memory, context.Deadline, context.CancellationToken).ConfigureAwait(false);
        var response = new EncryptResponse
        {
            Ciphertext = UnsafeByteOperations.UnsafeWrap(result.Ciphertext),
            KeyId = result.KeyId,
        };
        foreach ((string key, byte[] value) in result.Annotations)
        {
            response.Annotations.Add(key, UnsafeByteOperations.UnsafeWrap(value));
        }

        return response;
    }

    private async ValueTask<DecryptResponse> DecryptCoreAsync(DecryptRequest request, ServerCallContext context)
    {
        if (request.Ciphertext.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "ciphertext is empty"));
        }

        var input = new DecryptInput(request.Ciphertext.Memory, request.KeyId, request.Annotations);
        byte[] plaintext = await _backend.DecryptAsync(KmsApiVersion.V2, input, context.Deadline, context.CancellationToken).ConfigureAwait(false);
        // No copy: the server zeroes this array once the response is serialized (ISensitiveMessage).
        return new DecryptResponse { Plaintext = UnsafeByteOperations.UnsafeWrap(plaintext) };
    }
}
