using System.Net.Sockets;
using KmsNative.Kms.Observability;
using KmsNative.Protocol.Grpc;
using KmsNative.Protocol.Http2;
using KmsNative.Protocol.Server;

namespace KmsNative.Kms.Hosting;

/// <summary>
/// The one composition of the plugin's server, used by the executable, the tests and the benchmarks: a listening
/// socket → <see cref="Http2Server"/> → <see cref="GrpcDispatcher"/> → KMS v2 and v1beta1 → the backend.
/// <see cref="Start"/> starts accepting and the backend's background work; <see cref="ShutdownAsync"/> drains within a
/// grace period and stops the backend. The caller keeps the listening socket's file (bind and unlink are its job).
/// </summary>
internal sealed class KmsServer
{
    /// <summary>The window of the rate limit on log lines that clients cause (connection errors and refusals).</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly Task _accepting;

    private KmsServer(Http2Server http2, GrpcDispatcher dispatcher, IKmsBackend backend, KmsMetrics metrics)
    {
        Http2 = http2;
        Dispatcher = dispatcher;
        Backend = backend;
        Metrics = metrics;
        _accepting = http2.AcceptLoopAsync();
    }

    public IKmsBackend Backend { get; }

    /// <summary>What the services record per call; /metrics writes it.</summary>
    public KmsMetrics Metrics { get; }

    public Http2Server Http2 { get; }

    public GrpcDispatcher Dispatcher { get; }

    /// <param name="listener">A bound, listening unix socket; <see cref="ShutdownAsync"/> closes it.</param>
    /// <param name="name">The socket's address, for connection names in logs.</param>
    /// <param name="version">What KMS v1beta1 Version reports as the runtime version.</param>
    /// <param name="metrics">The registry the services record into; a new one when null (the executable passes the one its Key Vault client also fills).</param>
    /// <param name="time">The server's clock: deadlines, timeouts, the grace period, the error-log rate limit (tests pass a fake one).</param>
    /// <param name="yieldSlice">How connections give their thread up when a slice of work is spent (<see cref="Task.Yield"/> when null); a test knob.</param>
    public static KmsServer Start(Socket listener, string name, IKmsBackend backend, IKmsLog log, string version, Http2Limits? limits = null,
                                  KmsMetrics? metrics = null, TimeProvider? time = null, Func<Task>? yieldSlice = null)
    {
        limits ??= new Http2Limits();
        time ??= TimeProvider.System;
        metrics ??= new KmsMetrics();
        var telemetry = new KmsTelemetry(metrics, log, time);
        var binder = new UnaryServiceBinder();
        V2.KeyManagementService.BindService(binder, new KmsV2Service(backend, telemetry));
        V1Beta1.KeyManagementService.BindService(binder, new KmsV1Beta1Service(backend, version, telemetry));
        var dispatcher = new GrpcDispatcher(binder.Build(), limits.MaxRequestMessageSize, time, backend.DeadlineDetail);
        dispatcher.HandlerFailed += (method, exception) =>
            log.Write(LogLevel.Error, "handler failed", ("method", method), ("error", exception.GetType().Name + ": " + exception.Message));
        var http2 = new Http2Server(listener, dispatcher, limits, name, time, yieldSlice);
        // Clients choose how often these happen: a few lines per interval, then a count of what was left out.
        var connectionErrors = new RateLimitedLog(log, time, LogInterval, burst: 5);
        http2.ConnectionFailed += (connection, error) =>
            connectionErrors.Write(LogLevel.Verbose, "connection closed on a protocol error", ("code", error.ErrorCode), ("error", error.Message),
                ("peer", (connection as Http2Connection)?.PeerName));
        var refusals = new RateLimitedLog(log, time, LogInterval, burst: 1);
        http2.ConnectionRefused += (reason, limit) =>
            refusals.Write(LogLevel.Warning, "connection refused: " + reason, ("limit", limit));

        var server = new KmsServer(http2, dispatcher, backend, metrics);
        backend.Start();
        return server;
    }

    /// <summary>Stops accepting, lets calls in flight answer within <paramref name="gracePeriod"/>, then stops the backend.</summary>
    public async Task ShutdownAsync(TimeSpan gracePeriod)
    {
        await Http2.ShutdownAsync(gracePeriod).ConfigureAwait(false);
        await _accepting.ConfigureAwait(false);
        await Backend.StopAsync().ConfigureAwait(false);
    }
}
