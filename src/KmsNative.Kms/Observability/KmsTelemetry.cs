using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using KmsNative.Kms.Hosting;

namespace KmsNative.Kms.Observability;

/// <summary>
/// What the KMS services record per call: the <c>kms_request</c> histogram always; the Go plugin's log lines by level
/// (an error line for every failed call, "… request started/complete" at -v 2, "… request received" at -v 4).
/// Allocation-free on a successful call when -v is below 2. Never given plaintext or ciphertext: only the method,
/// uid, key id, gRPC code, duration and the error's message (which the backends keep free of secrets).
/// </summary>
internal sealed class KmsTelemetry
{
    /// <summary>Identical error lines are written at most once per this window; the next one says how many were held back.</summary>
    public static readonly TimeSpan ErrorLogWindow = TimeSpan.FromSeconds(10);

    private readonly IKmsLog _log;
    private readonly TimeProvider _time;
    private readonly RepeatedErrorFilter _errors;

    public KmsTelemetry(KmsMetrics metrics, IKmsLog log, TimeProvider? time = null)
    {
        Metrics = metrics;
        _log = log;
        _time = time ?? TimeProvider.System;
        _errors = new RepeatedErrorFilter(_time, ErrorLogWindow);
    }

    /// <summary>Metrics only, no log: for services composed without <see cref="KmsServer"/> (the benchmark's Kestrel peer).</summary>
    public static KmsTelemetry Unobserved() => new(new KmsMetrics(), NullKmsLog.Instance);

    public KmsMetrics Metrics { get; }

    public static string MethodName(KmsMethod method) => method switch
    {
        KmsMethod.V2Status => "/v2.KeyManagementService/Status",
        KmsMethod.V2Encrypt => "/v2.KeyManagementService/Encrypt",
        KmsMethod.V2Decrypt => "/v2.KeyManagementService/Decrypt",
        KmsMethod.V1Version => "/v1beta1.KeyManagementService/Version",
        KmsMethod.V1Encrypt => "/v1beta1.KeyManagementService/Encrypt",
        _ => "/v1beta1.KeyManagementService/Decrypt",
    };

    /// <returns>The start timestamp, for <see cref="Succeeded"/> or <see cref="Failed"/>.</returns>
    public long Started(KmsMethod method, string uid)
    {
        if (IsRoutine(method) ? _log.IsEnabled(LogLevel.Debug) : _log.IsEnabled(LogLevel.Verbose))
        {
            WriteStarted(method, uid);
        }

        return _time.GetTimestamp();
    }

    public void Succeeded(KmsMethod method, long started, ServerCallContext context, string uid)
    {
        long elapsed = _time.StopwatchTicksSince(started);
        if (context.CancellationToken.IsCancellationRequested)
        {
            // The deadline passed or the client reset first: the client already got DEADLINE_EXCEEDED or nothing.
            Record(method, elapsed, Timeout(context), uid, keyId: null, "the call completed after its deadline or after the client cancelled it");
            return;
        }

        Metrics.Requests.Record(method, StatusCode.OK, elapsed);
        if (IsRoutine(method) ? _log.IsEnabled(LogLevel.Debug) : _log.IsEnabled(LogLevel.Verbose))
        {
            WriteCompleted(method, elapsed, uid);
        }
    }

    /// <param name="keyId">The key id the request named (v2 Decrypt), when it has one.</param>
    public void Failed(KmsMethod method, long started, Exception error, ServerCallContext context, string uid, string? keyId)
    {
        long elapsed = _time.StopwatchTicksSince(started);
        (StatusCode code, string message) = error switch
        {
            RpcException rpc => (rpc.StatusCode, rpc.Status.Detail),
            OperationCanceledException => (Timeout(context), "the call was cancelled by its deadline or by the client"),
            _ => (StatusCode.Unknown, "the handler failed: " + error.GetType().Name),
        };
        Record(method, elapsed, code, uid, keyId, message);
    }

    private void Record(KmsMethod method, long elapsed, StatusCode code, string uid, string? keyId, string message)
    {
        Metrics.Requests.Record(method, code, elapsed);
        string name = MethodName(method);
        if (!_errors.ShouldLog(name + "\n" + code + "\n" + message, out long suppressed))
        {
            return;
        }

        var fields = new List<(string, object?)>(7) { ("method", name), ("code", CodeName(code)) };
        if (uid.Length > 0)
        {
            fields.Add(("uid", uid));
        }

        if (!string.IsNullOrEmpty(keyId))
        {
            fields.Add(("keyID", keyId));
        }

        fields.Add(("duration", FormatDuration(elapsed)));
        fields.Add(("error", message));
        if (suppressed > 0)
        {
            fields.Add(("suppressed", suppressed));
        }

        _log.Write(LogLevel.Error, "request failed", [.. fields]);
    }

    private void WriteStarted(KmsMethod method, string uid)
    {
        LogLevel level = IsRoutine(method) ? LogLevel.Debug : LogLevel.Verbose;
        if (_log.IsEnabled(LogLevel.Debug) && !IsRoutine(method))
        {
            _log.Write(LogLevel.Debug, Operation(method) + " request received", ("method", MethodName(method)), ("uid", uid));
        }

        _log.Write(level, Operation(method) + " request started", ("method", MethodName(method)), ("uid", uid));
    }

    private void WriteCompleted(KmsMethod method, long elapsed, string uid) =>
        _log.Write(IsRoutine(method) ? LogLevel.Debug : LogLevel.Verbose, Operation(method) + " request complete",
            ("method", MethodName(method)), ("uid", uid), ("duration", FormatDuration(elapsed)));

    // Status is polled every minute and Version by each v1 health check: their lines would drown the DEK calls at -v 2.
    private static bool IsRoutine(KmsMethod method) => method is KmsMethod.V2Status or KmsMethod.V1Version;

    private static string Operation(KmsMethod method) => method switch
    {
        KmsMethod.V2Encrypt or KmsMethod.V1Encrypt => "encrypt",
        KmsMethod.V2Decrypt or KmsMethod.V1Decrypt => "decrypt",
        KmsMethod.V2Status => "status",
        _ => "version",
    };

    private StatusCode Timeout(ServerCallContext context) =>
        context.Deadline <= _time.GetUtcNow().UtcDateTime ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;

    // gRPC's canonical upper-case names (grpc-go's codes.Code.String() is "DeadlineExceeded"; klog users grep either).
    private static string CodeName(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.DataLoss => "DATA_LOSS",
        _ => code.ToString().ToUpperInvariant(),
    };

    /// <summary>Go's time.Duration.String() shape for the ranges we see: "850µs", "12.5ms", "3.2s".</summary>
    public static string FormatDuration(long elapsedTicks)
    {
        double seconds = (double)elapsedTicks / Stopwatch.Frequency;
        return seconds >= 1 ? (seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s")
            : seconds >= 0.001 ? ((seconds * 1e3).ToString("0.###", CultureInfo.InvariantCulture) + "ms")
            : ((seconds * 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "µs");
    }
}
