using System.Net;
using KmsNative.Kms.Observability;
using KmsNative.Protocol.Http1;
using KmsNative.Protocol.Server;

namespace KmsNative.Kms.Hosting;

/// <summary>
/// The health and metrics endpoints: one or two <see cref="Http1Listener"/>s on TCP, apart from the gRPC socket.
/// /healthz: <see cref="KmsHealthCheck"/> (200 "ok" or 503 and the reason; <c>?deep=1</c> adds a cached
/// Encrypt+Decrypt round trip). /metrics: <see cref="KmsMetrics"/> in the Prometheus text format.
/// </summary>
internal sealed class OpsEndpoints : IAsyncDisposable
{
    private readonly List<Http1Listener> _listeners;
    private readonly KmsSocketClient _client;

    private OpsEndpoints(List<Http1Listener> listeners, KmsSocketClient client)
    {
        _listeners = listeners;
        _client = client;
    }

    /// <summary>The bound health port (the real one when 0 was asked), or null when off.</summary>
    public int? HealthzPort { get; private init; }

    public int? MetricsPort { get; private init; }

    /// <param name="socket">The gRPC socket the health check calls Status through.</param>
    /// <exception cref="ListenerException">A port cannot be bound; nothing is left listening.</exception>
    public static OpsEndpoints Start(OpsEndpointOptions options, KmsServer server, EndPoint socket, IKmsLog log, string version,
                                     Http1Limits? limits = null, TimeProvider? time = null)
    {
        var client = new KmsSocketClient(socket);
        var health = new KmsHealthCheck(server.Backend, client, server.Metrics.HealthChecks, options.HealthzTimeout, time);
        var listeners = new List<Http1Listener>();
        int? healthzPort = null, metricsPort = null;
        try
        {
            bool shared = options.HealthzPort is { } h && options.MetricsPort is { } m && h == m && h != 0;
            if (options.HealthzPort is { } healthz)
            {
                var handler = new Handler(options, health, shared ? server : null, version, log);
                Http1Listener listener = StartListener(healthz, handler, limits, time, log);
                listeners.Add(listener);
                healthzPort = listener.LocalEndPoint.Port;
                metricsPort = shared ? healthzPort : null;
            }

            if (options.MetricsPort is { } metrics && !shared)
            {
                Http1Listener listener = StartListener(metrics, new Handler(options, null, server, version, log), limits, time, log);
                listeners.Add(listener);
                metricsPort = listener.LocalEndPoint.Port;
            }
        }
        catch
        {
            foreach (Http1Listener listener in listeners)
            {
                listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            client.Dispose();
            throw;
        }

        return new OpsEndpoints(listeners, client) { HealthzPort = healthzPort, MetricsPort = metricsPort };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Http1Listener listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        _client.Dispose();
    }

    private static Http1Listener StartListener(int port, Handler handler, Http1Limits? limits, TimeProvider? time, IKmsLog log)
    {
        Http1Listener listener = Http1Listener.Start(port, handler, limits, time);
        listener.RequestRefused += (status, reason) => log.Write(LogLevel.Verbose, "health/metrics request refused", ("status", status), ("reason", reason));
        return listener;
    }

    private sealed class Handler : IHttp1Handler
    {
        private readonly OpsEndpointOptions _options;
        private readonly KmsHealthCheck? _health;
        private readonly KmsServer? _server;
        private readonly string _version;
        private readonly IKmsLog _log;
        private string _lastFailure = "";

        public Handler(OpsEndpointOptions options, KmsHealthCheck? health, KmsServer? server, string version, IKmsLog log)
        {
            _options = options;
            _health = health;
            _server = server;
            _version = version;
            _log = log;
        }

        public async ValueTask<Http1Response> HandleAsync(Http1Request request, CancellationToken cancellationToken)
        {
            if (_health is not null && request.Path == _options.HealthzPath)
            {
                bool deep = IsDeep(request.Query);
                HealthResult result = await _health.CheckAsync(deep, cancellationToken).ConfigureAwait(false);
                if (!result.Healthy && result.Reason != _lastFailure)
                {
                    _log.Write(LogLevel.Warning, "health check failed", ("deep", deep), ("reason", result.Reason));
                }

                _lastFailure = result.Healthy ? "" : result.Reason;
                return result.Healthy ? Http1Response.Text(200, "ok") : Http1Response.Text(503, result.Reason + "\n");
            }

            if (_server is not null && request.Path == _options.MetricsPath)
            {
                PrometheusWriter writer = await _server.Metrics.WriteAsync(_server.Backend, _version, cancellationToken).ConfigureAwait(false);
                return new Http1Response(200, PrometheusWriter.ContentType, writer.ToUtf8());
            }

            return Http1Response.Text(404, "404 page not found\n");
        }

        private static bool IsDeep(string query)
        {
            foreach (string pair in query.Split('&'))
            {
                if (pair is "deep" or "deep=1" or "deep=true")
                {
                    return true;
                }
            }

            return false;
        }
    }
}
