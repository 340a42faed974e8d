using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using KmsNative.Kms.V2;

namespace KmsNative.Kms.Observability;

/// <summary>
/// What /healthz checks. Liveness (every probe): the backend's health snapshot, then a real KMS v2 Status call over
/// our own socket whose healthz must be "ok" and version "v2beta1", as the Go plugin's healthz does. No Key Vault call
/// (Status answers from the background check). Deep (<c>?deep=1</c>): liveness plus a real Encrypt and Decrypt
/// through the socket, which reach Key Vault; rate-limited: a success is reused for <see cref="DeepSuccessTtl"/>, a
/// failure for <see cref="DeepFailureTtl"/>, and concurrent deep probes share one round trip.
/// </summary>
internal sealed class KmsHealthCheck
{
    public static readonly TimeSpan DeepSuccessTtl = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DeepFailureTtl = TimeSpan.FromSeconds(10);

    private readonly IKmsBackend _backend;
    private readonly KmsSocketClient _client;
    private readonly HealthCheckMetrics _metrics;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();
    private Task<HealthResult>? _deep;
    private long _deepFinishedAt;

    /// <param name="timeout">--healthz-timeout: bounds each check, Status and round trip included.</param>
    public KmsHealthCheck(IKmsBackend backend, KmsSocketClient client, HealthCheckMetrics metrics, TimeSpan timeout, TimeProvider? time = null)
    {
        _backend = backend;
        _client = client;
        _metrics = metrics;
        _timeout = timeout > TimeSpan.Zero ? timeout : TimeSpan.FromSeconds(20);
        _time = time ?? TimeProvider.System;
    }

    public async Task<HealthResult> CheckAsync(bool deep, CancellationToken cancellationToken)
    {
        HealthResult result = await LivenessAsync(cancellationToken).ConfigureAwait(false);
        if (!deep)
        {
            _metrics.RecordLiveness(result.Healthy);
            return result;
        }

        if (result.Healthy)
        {
            result = await DeepAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        _metrics.RecordDeep(result.Healthy);
        return result;
    }

    private async Task<HealthResult> LivenessAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            BackendStatus backend = await _backend.GetStatusAsync(linked.Token).ConfigureAwait(false);
            if (!backend.Healthy)
            {
                return new HealthResult(false, "backend unhealthy: " + backend.Reason);
            }

            StatusResponse status = await _client.CallAsync("/v2.KeyManagementService/Status", new StatusRequest(), StatusResponse.Parser, linked.Token).ConfigureAwait(false);
            if (status.Healthz != "ok")
            {
                return new HealthResult(false, "KMS v2 Status reports healthz: " + status.Healthz);
            }

            if (status.Version != KmsV2Service.StatusVersion || status.KeyId.Length == 0)
            {
                return new HealthResult(false, $"KMS v2 Status reports version '{status.Version}' and key id '{status.KeyId}'");
            }

            return HealthResult.Ok;
        }
        catch (Exception ex) when (ex is OperationCanceledException && timeout.IsCancellationRequested)
        {
            return new HealthResult(false, $"the health check did not finish within {_timeout.TotalSeconds} s (--healthz-timeout)");
        }
        catch (RpcException ex)
        {
            return new HealthResult(false, $"KMS v2 Status over the socket failed: {ex.StatusCode}: {ex.Status.Detail}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            return new HealthResult(false, "cannot call KMS v2 Status over the socket: " + ex.Message);
        }
    }

    private Task<HealthResult> DeepAsync()
    {
        lock (_sync)
        {
            if (_deep is { IsCompleted: true } done)
            {
                TimeSpan ttl = done.Result.Healthy ? DeepSuccessTtl : DeepFailureTtl;
                if (_time.GetElapsedTime(_deepFinishedAt) < ttl)
                {
                    return done;
                }
            }
            else if (_deep is not null)
            {
                return _deep; // one in flight: share it
            }

            _deep = RoundTripAsync();
            return _deep;
        }
    }

    private async Task<HealthResult> RoundTripAsync()
    {
        await Task.Yield(); // outside the lock
        _metrics.RecordDeepRoundTrip();
        using var timeout = new CancellationTokenSource(_timeout, _time);
        byte[] plaintext = RandomNumberGenerator.GetBytes(32);
        string uid = "local-healthz-check-" + Guid.NewGuid().ToString("D");
        HealthResult result;
        try
        {
            EncryptResponse encrypted = await _client.CallAsync("/v2.KeyManagementService/Encrypt",
                new EncryptRequest { Plaintext = ByteString.CopyFrom(plaintext), Uid = uid }, EncryptResponse.Parser, timeout.Token).ConfigureAwait(false);
            var decrypt = new DecryptRequest { Ciphertext = encrypted.Ciphertext, KeyId = encrypted.KeyId, Uid = uid };
            decrypt.Annotations.Add(encrypted.Annotations);
            DecryptResponse decrypted = await _client.CallAsync("/v2.KeyManagementService/Decrypt", decrypt, DecryptResponse.Parser, timeout.Token).ConfigureAwait(false);
            result = decrypted.Plaintext.Span.SequenceEqual(plaintext)
                ? HealthResult.Ok
                : new HealthResult(false, "plain text mismatch after decryption with KMSv2");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = new HealthResult(false, $"the Encrypt+Decrypt round trip did not finish within {_timeout.TotalSeconds} s (--healthz-timeout)");
        }
        catch (RpcException ex)
        {
            result = new HealthResult(false, $"Encrypt+Decrypt round trip failed: {ex.StatusCode}: {ex.Status.Detail}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            result = new HealthResult(false, "cannot reach the socket for the Encrypt+Decrypt round trip: " + ex.Message);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        lock (_sync)
        {
            _deepFinishedAt = _time.GetTimestamp();
        }

        return result;
    }
}
