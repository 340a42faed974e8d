using Grpc.Core;

namespace KmsNative.Kms.Observability;

/// <summary>
/// The Go plugin's <c>kms_request</c> histogram: seconds per call by <c>operation</c> and <c>status</c>
/// (success/error), plus <c>error_class</c> on errors. The Go plugin records each Encrypt and Decrypt twice, once
/// in its handler (<c>encrypt</c>, <c>decrypt</c>) and once in its gRPC interceptor (<c>grpc_encrypt</c>,
/// <c>grpc_decrypt</c>), and Status and Version only in the interceptor (<c>grpc_status</c>, <c>grpc_version</c>);
/// we record the same names from one measurement in the KMS services, so existing dashboards keep working.
/// Every series is preallocated: recording never allocates.
/// </summary>
internal sealed class KmsRequestMetrics
{
    public const string Name = "kms_request";

    /// <summary>
    /// Finer than the Go plugin's 0.1 s … 2 s (ExponentialBucketsRange(0.1, 2, 11)), where every call served from
    /// memory or a DEK cache would fall in the first bucket; the upper range still reaches Key Vault's worst cases.
    /// </summary>
    public static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

    public static readonly string[] Operations = ["encrypt", "decrypt", "grpc_encrypt", "grpc_decrypt", "grpc_status", "grpc_version"];

    private const int Encrypt = 0, Decrypt = 1, GrpcEncrypt = 2, GrpcDecrypt = 3, GrpcStatus = 4, GrpcVersion = 5;

    // [operation][0] = success, [operation][1 + error class] = error
    private readonly Histogram[][] _series;
    private long _encryptsAndDecrypts;

    public KmsRequestMetrics()
    {
        _series = new Histogram[Operations.Length][];
        for (int op = 0; op < Operations.Length; op++)
        {
            _series[op] = new Histogram[1 + ErrorClass.Names.Length];
            for (int s = 0; s < _series[op].Length; s++)
            {
                _series[op][s] = new Histogram(Buckets);
            }
        }
    }

    /// <summary>Encrypt and Decrypt calls recorded so far, v2 and v1beta1 (the idle trimmer watches it for bursts).</summary>
    public long EncryptsAndDecrypts => Volatile.Read(ref _encryptsAndDecrypts);

    public void Record(KmsMethod method, StatusCode code, long elapsedTicks)
    {
        int series = code == StatusCode.OK ? 0 : 1 + ErrorClass.IndexOf(code);
        switch (method)
        {
            case KmsMethod.V2Encrypt or KmsMethod.V1Encrypt:
                _series[Encrypt][series].Observe(elapsedTicks);
                _series[GrpcEncrypt][series].Observe(elapsedTicks);
                Interlocked.Increment(ref _encryptsAndDecrypts);
                break;
            case KmsMethod.V2Decrypt or KmsMethod.V1Decrypt:
                _series[Decrypt][series].Observe(elapsedTicks);
                _series[GrpcDecrypt][series].Observe(elapsedTicks);
                Interlocked.Increment(ref _encryptsAndDecrypts);
                break;
            case KmsMethod.V2Status:
                _series[GrpcStatus][series].Observe(elapsedTicks);
                break;
            default:
                _series[GrpcVersion][series].Observe(elapsedTicks);
                break;
        }
    }

    /// <summary>The series observed at least once: operation, error class (null for success), histogram.</summary>
    public IEnumerable<(string Operation, string? ErrorClass, Histogram Histogram)> ObservedSeries()
    {
        for (int op = 0; op < Operations.Length; op++)
        {
            for (int s = 0; s < _series[op].Length; s++)
            {
                if (_series[op][s].Count > 0)
                {
                    yield return (Operations[op], s == 0 ? null : ErrorClass.Names[s - 1], _series[op][s]);
                }
            }
        }
    }
}
