using System.Net;
using KmsNative.KeyVaultEmulator.Certificates;
using KmsNative.KeyVaultEmulator.Faults;
using KmsNative.KeyVaultEmulator.Http;
using KmsNative.KeyVaultEmulator.Keys;
using KmsNative.KeyVaultEmulator.Tokens;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace KmsNative.KeyVaultEmulator;

/// <summary>
/// The running emulator: Kestrel on 127.0.0.1 with HTTPS (HTTP/1.1 and HTTP/2) from a CA made at start-up,
/// plus an optional plain-HTTP IMDS listener. Used by Program and in-process by tests.
/// </summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorCertificates _certificates;

    private EmulatorHost(WebApplication app, EmulatorCertificates certificates, EmulatorContext context)
    {
        _app = app;
        _certificates = certificates;
        Context = context;
    }

    public EmulatorContext Context { get; }

    /// <summary>https://127.0.0.1:PORT, valid once started.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>http://127.0.0.1:PORT for IMDS, or null without --imds-port.</summary>
    public Uri? ImdsUrl { get; private set; }

    /// <summary>http://127.0.0.1:PORT of the CONNECT proxy, or null without --connect-proxy-port.</summary>
    public ConnectProxy? ConnectProxy { get; private set; }

    public string CaPem => _certificates.CaPem;

    public System.Security.Cryptography.X509Certificates.X509Certificate2 CaCertificate => _certificates.Ca;

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, EmulatorConfig? config = null, TimeProvider? time = null)
    {
        config ??= options.ConfigPath is null ? EmulatorConfig.CreateDefault() : EmulatorConfig.Load(options.ConfigPath);
        var certificates = EmulatorCertificates.Create(options.HostNames);
        var context = new EmulatorContext(options, config, time ?? TimeProvider.System);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificates.Leaf);
            });
            if (options.ImdsPort >= 0)
            {
                kestrel.Listen(IPAddress.Loopback, options.ImdsPort, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

        WebApplication app = builder.Build();
        var middleware = new EmulatorMiddleware(context);
        app.Use(middleware.InvokeAsync);
        app.UseRouting(); // after the middleware, so its path clean-up (//, proxy prefix) is what routing sees
        KeyEndpoints.Map(app, context);
        KeyOperationEndpoints.Map(app, context);
        TokenEndpoints.Map(app, context);
        ImdsEndpoint.Map(app, context);
        DiscoveryEndpoints.Map(app, context);
        AdminEndpoints.Map(app, context);

        var host = new EmulatorHost(app, certificates, context);
        await app.StartAsync();
        foreach (string address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
        {
            var uri = new Uri(address);
            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                host.Url = new Uri($"https://127.0.0.1:{uri.Port}");
            }
            else
            {
                host.ImdsUrl = new Uri($"http://127.0.0.1:{uri.Port}");
            }
        }
        if (options.ConnectProxyPort >= 0)
        {
            host.ConnectProxy = new ConnectProxy(options.ConnectProxyPort, host.Url.Port);
        }

        if (options.CaOut is not null)
        {
            await File.WriteAllTextAsync(options.CaOut, certificates.CaPem);
        }
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (ConnectProxy is not null)
        {
            await ConnectProxy.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificates.Dispose();
        Context.Dispose();
    }
}
