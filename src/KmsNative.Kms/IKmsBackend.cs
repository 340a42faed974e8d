using Google.Protobuf;

namespace KmsNative.Kms;

/// <summary>
/// What wraps and unwraps DEKs for the KMS services: Azure Key Vault in production, <see cref="InMemoryBackend"/>
/// in tests and benchmarks. Failures are thrown as <see cref="Grpc.Core.RpcException"/> with the code the client
/// should see; messages never contain key material, plaintext or tokens.
/// </summary>
internal interface IKmsBackend
{
    /// <summary>
    /// Appended to every DEADLINE_EXCEEDED message: what the calls wait for (the Key Vault backend names its key), so
    /// the error kube-apiserver logs says where the time went. Null when there is nothing to add.
    /// </summary>
    string? DeadlineDetail { get; }

    /// <summary>Starts background work (the Key Vault backend's health checks) and returns at once.</summary>
    void Start();

    /// <summary>Stops and awaits background work and releases the backend; calls still in flight fail.</summary>
    ValueTask StopAsync();

    /// <summary>Health and the current key id. Reports a failure in the result rather than throwing.</summary>
    ValueTask<BackendStatus> GetStatusAsync(CancellationToken cancellationToken);

    ValueTask<EncryptedDek> EncryptAsync(KmsApiVersion api, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken);

    /// <summary>Returns the plaintext in a new array that the caller owns and must zero.</summary>
    ValueTask<byte[]> DecryptAsync(KmsApiVersion api, DecryptInput input, CancellationToken cancellationToken);

    /// <summary>
    /// The services call these, with the call's deadline (UTC, <see cref="DateTime.MaxValue"/> when none), so a backend
    /// that queues (the Key Vault rate limit) can fail at once with UNAVAILABLE when its turn would come too late,
    /// instead of waiting into a DEADLINE_EXCEEDED. The token still ends the call at the deadline either way.
    /// </summary>
    ValueTask<EncryptedDek> EncryptAsync(KmsApiVersion api, ReadOnlyMemory<byte> plaintext, DateTime deadline, CancellationToken cancellationToken) =>
        EncryptAsync(api, plaintext, cancellationToken);

    /// <inheritdoc cref="EncryptAsync(KmsApiVersion, ReadOnlyMemory{byte}, DateTime, CancellationToken)"/>
    ValueTask<byte[]> DecryptAsync(KmsApiVersion api, DecryptInput input, DateTime deadline, CancellationToken cancellationToken) =>
        DecryptAsync(api, input, cancellationToken);
}

/// <summary>Which KMS API a call came through: it picks the algorithm (the Go plugin: RSA1_5 for v1beta1, RSA-OAEP-256 for v2).</summary>
internal enum KmsApiVersion
{
    V1Beta1,
    V2,
}

internal sealed record BackendStatus(bool Healthy, string KeyId, string Reason);

internal sealed record EncryptedDek(byte[] Ciphertext, string KeyId, IReadOnlyDictionary<string, byte[]> Annotations);

/// <summary>A v1beta1 request carries only the ciphertext; v2 adds the key id and annotations returned at encrypt time.</summary>
internal readonly record struct DecryptInput(ReadOnlyMemory<byte> Ciphertext, string KeyId, IReadOnlyDictionary<string, ByteString> Annotations);
