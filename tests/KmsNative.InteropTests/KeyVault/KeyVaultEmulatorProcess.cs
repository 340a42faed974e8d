// SPDX-License-Identifier: MIT
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Security;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsNative.InteropTests.KeyVault;

/// <summary>
/// The Key Vault emulator (tests/KmsNative.KeyVaultEmulator) as a child process, started as build/demo.sh starts it:
/// HTTPS on loopback with its own CA, a CONNECT proxy for HTTPS_PROXY (so the plugin uses Azure's real host names and
/// key ids) and a plain-HTTP listener (IMDS, and proxy-mode paths). Ready means it printed KMS_EMULATOR_URL.
/// Owns the process, its temp directory and the admin <see cref="HttpClient"/>; dispose stops it.
/// </summary>
internal sealed class KeyVaultEmulatorProcess : IAsyncDisposable
{
    /// <summary>The names the leaf certificate covers, so the plugin reaches them through the CONNECT proxy.</summary>
    public const string HostNames = "*.vault.azure.net,login.microsoftonline.com";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    private readonly CapturedProcess _process;
    private readonly Dictionary<string, string> _values;

    private KeyVaultEmulatorProcess(CapturedProcess process, DirectoryInfo directory, Dictionary<string, string> values)
    {
        _process = process;
        Directory = directory;
        _values = values;
        CaFile = Path.Combine(directory.FullName, "ca.pem");
        Url = new Uri(values["KMS_EMULATOR_URL"]);
        Admin = new HttpClient(CreateTrustingHandler(CaFile)) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Where the CA, the config and per-test files live; deleted on dispose.</summary>
    public DirectoryInfo Directory { get; }

    public string CaFile { get; }

    /// <summary>https://127.0.0.1:PORT.</summary>
    public Uri Url { get; }

    /// <summary>http://127.0.0.1:PORT of the CONNECT proxy, for the plugin's HTTPS_PROXY.</summary>
    public string ProxyUrl => _values["KMS_EMULATOR_PROXY_URL"];

    /// <summary>http://127.0.0.1:PORT of the plain-HTTP listener (IMDS and proxy-mode paths).</summary>
    public Uri PlainHttpUrl => new(_values["KMS_EMULATOR_IMDS_URL"]);

    public string TenantId => _values["KMS_EMULATOR_TENANT_ID"];

    public string ClientId => _values["KMS_EMULATOR_CLIENT_ID"];

    public string ClientSecret => _values["KMS_EMULATOR_CLIENT_SECRET"];

    /// <summary>Admin API client (trusts the emulator's CA).</summary>
    public HttpClient Admin { get; }

    public string Output => _process.Output;

    /// <summary>The build output next to the tests', as the test project's ProjectReference produced it.</summary>
    public static string EmulatorDll
    {
        get
        {
            string? path = typeof(KeyVaultEmulatorProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "KeyVaultEmulatorDll")?.Value;
            if (path is null || !File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"The Key Vault emulator is not built at '{path}'. Build the test project (it references " +
                    "tests/KmsNative.KeyVaultEmulator) or run `dotnet build tests/KmsNative.KeyVaultEmulator`.");
            }

            return path;
        }
    }

    /// <param name="configJson">Contents of an emulator --config file (tenants, clients, identities), or null for defaults.</param>
    /// <param name="hostNames">The names its certificate covers; <see cref="HostNames"/> by default.</param>
    public static async Task<KeyVaultEmulatorProcess> StartAsync(string? configJson = null, string hostNames = HostNames)
    {
        DirectoryInfo directory = System.IO.Directory.CreateTempSubdirectory("kmsnative-kv-");
        List<string> arguments =
        [
            EmulatorDll, "--port", "0", "--connect-proxy-port", "0", "--imds-port", "0",
            "--ca-out", Path.Combine(directory.FullName, "ca.pem"), "--host-names", hostNames,
        ];
        if (configJson is not null)
        {
            string configPath = Path.Combine(directory.FullName, "emulator.json");
            await File.WriteAllTextAsync(configPath, configJson);
            arguments.AddRange(["--config", configPath]);
        }

        CapturedProcess process = CapturedProcess.Start("dotnet", arguments);
        try
        {
            Dictionary<string, string> values = await WaitUntilReadyAsync(process);
            return new KeyVaultEmulatorProcess(process, directory, values);
        }
        catch
        {
            process.Dispose();
            directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>POST /_emulator/keys; returns the version and the public part (base64url n and e).</summary>
    public async Task<SeededKey> SeedKeyAsync(string name, bool enabled = true, string? privateKeyPem = null)
    {
        var body = new JsonObject { ["name"] = name, ["size"] = 2048, ["enabled"] = enabled };
        if (privateKeyPem is not null)
        {
            body["privateKeyPem"] = privateKeyPem;
        }

        JsonElement seeded = await PostAsync("/_emulator/keys", body);
        return new SeededKey(name, seeded.GetProperty("version").GetString()!,
                             seeded.GetProperty("n").GetString()!, seeded.GetProperty("e").GetString()!);
    }

    /// <summary>POST /_emulator/faults with the rule's fields (operation, status, retryAfterSeconds, count, dropConnection…).</summary>
    public Task AddFaultAsync(JsonObject rule) => PostAsync("/_emulator/faults", rule);

    public async Task ClearFaultsAsync()
    {
        using HttpResponseMessage response = await Admin.DeleteAsync(new Uri("/_emulator/faults", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    public async Task ResetCountersAsync()
    {
        using HttpResponseMessage response = await Admin.DeleteAsync(new Uri("/_emulator/counters", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>GET /_emulator/counters: <c>{"requests":{…},"faulted":{…},"proxied":{…},"activeFaults":N}</c>.</summary>
    public async Task<JsonElement> GetCountersAsync() =>
        await Admin.GetFromJsonAsync<JsonElement>(new Uri("/_emulator/counters", UriKind.Relative));

    /// <summary>One count from <see cref="GetCountersAsync"/>, 0 when absent.</summary>
    public static long Count(JsonElement counters, string group, string name) =>
        counters.TryGetProperty(group, out JsonElement g) && g.TryGetProperty(name, out JsonElement n) ? n.GetInt64() : 0;

    /// <summary>POST /_emulator/federated-token, written to <paramref name="file"/> as a projected token would be.</summary>
    public Task MintFederatedTokenAsync(string file) =>
        PostAsync("/_emulator/federated-token", new JsonObject { ["subject"] = "system:serviceaccount:kube-system:kmsnative", ["file"] = file });

    /// <summary>
    /// The emulator's own Key Vault decrypt (POST /keys/{name}/{version}/decrypt), with a token it mints: the
    /// ciphertext is base64url text as Key Vault takes it; returns the plaintext.
    /// </summary>
    public async Task<byte[]> DecryptWithKeyVaultAsync(SeededKey key, string algorithm, string ciphertext)
    {
        JsonElement token = await PostAsync("/_emulator/tokens", new JsonObject());
        using var request = new HttpRequestMessage(HttpMethod.Post,
            new Uri($"/keys/{key.Name}/{key.Version}/decrypt?api-version=7.4", UriKind.Relative))
        {
            Content = JsonContent.Create(new JsonObject { ["alg"] = algorithm, ["value"] = ciphertext }),
        };
        request.Headers.Authorization = new("Bearer", token.GetProperty("access_token").GetString());
        using HttpResponseMessage response = await Admin.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"emulator decrypt: {(int)response.StatusCode} {text}");
        string value = JsonDocument.Parse(text).RootElement.GetProperty("value").GetString()!;
        return Base64Url.Decode(value);
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        if (!_process.HasExited)
        {
            _ = NativeMethods.Kill(_process.Id, NativeMethods.Sigterm);
            if (!await _process.WaitForExitAsync(TimeSpan.FromSeconds(10)))
            {
                _process.Kill();
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<JsonElement> PostAsync(string path, JsonObject body)
    {
        using HttpResponseMessage response = await Admin.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<Dictionary<string, string>> WaitUntilReadyAsync(CapturedProcess process)
    {
        var stopwatch = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            string output = process.Output;
            if (output.Contains("KMS_EMULATOR_URL=", StringComparison.Ordinal))
            {
                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (string line in output.Split('\n', StringSplitOptions.TrimEntries))
                {
                    int eq = line.IndexOf('=', StringComparison.Ordinal);
                    if (line.StartsWith("KMS_EMULATOR_", StringComparison.Ordinal) && eq > 0)
                    {
                        values[line[..eq]] = line[(eq + 1)..];
                    }
                }

                return values;
            }

            if (process.HasExited)
            {
                await process.WaitForExitAsync(TimeSpan.FromSeconds(5));
                throw new InvalidOperationException($"The Key Vault emulator exited with {process.ExitCode} before it was ready:\n{process.Output}");
            }

            if (stopwatch.Elapsed > s_startTimeout)
            {
                throw new InvalidOperationException($"The Key Vault emulator was not ready within {s_startTimeout.TotalSeconds} s:\n{process.Output}");
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 100));
        }
    }

    /// <summary>Trusts exactly the emulator's CA, as the plugin does through SSL_CERT_FILE.</summary>
    public static SocketsHttpHandler CreateTrustingHandler(string caFile)
    {
        X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        return new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
    }
}
