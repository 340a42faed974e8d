using System.Runtime.InteropServices;
using KmsNative.KeyVaultEmulator;
using KmsNative.KeyVaultEmulator.Tokens;

EmulatorOptions options;
try
{
    options = EmulatorOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}\n\n{EmulatorOptions.Usage}");
    return 2;
}

await using EmulatorHost host = await EmulatorHost.StartAsync(options);
var stop = new TaskCompletionSource();
using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
if (options.ExitOnStdinClose)
{
    _ = Task.Run(async () =>
    {
        using Stream stdin = Console.OpenStandardInput();
        byte[] buffer = new byte[256];
        while (await stdin.ReadAsync(buffer) > 0)
        {
        }
        stop.TrySetResult();
    });
}

// Machine-readable, one KEY=VALUE per line; KMS_EMULATOR_URL comes last and means "ready".
EmulatorConfig config = host.Context.Config;
Console.WriteLine($"KMS_EMULATOR_TENANT_ID={config.Tenants.FirstOrDefault()?.Id}");
if (config.Tenants.FirstOrDefault()?.Clients.FirstOrDefault() is { } client)
{
    Console.WriteLine($"KMS_EMULATOR_CLIENT_ID={client.ClientId}");
    Console.WriteLine($"KMS_EMULATOR_CLIENT_SECRET={client.Secret}");
}
if (options.CaOut is not null)
{
    Console.WriteLine($"KMS_EMULATOR_CA_FILE={Path.GetFullPath(options.CaOut)}");
}
if (host.ImdsUrl is not null)
{
    Console.WriteLine($"KMS_EMULATOR_IMDS_URL={host.ImdsUrl.ToString().TrimEnd('/')}");
}
if (host.ConnectProxy is not null)
{
    Console.WriteLine($"KMS_EMULATOR_PROXY_URL={host.ConnectProxy.Url.ToString().TrimEnd('/')}");
}
Console.WriteLine($"KMS_EMULATOR_URL={host.Url.ToString().TrimEnd('/')}");
Console.Out.Flush();

await stop.Task;
return 0;
