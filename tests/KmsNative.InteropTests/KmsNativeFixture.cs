// SPDX-License-Identifier: MIT
namespace KmsNative.InteropTests;

/// <summary>
/// Two servers per test class: <see cref="Normal"/>, and <see cref="Slow"/> with --in-memory-delay 2s so a call's
/// deadline can expire inside the server (kube-apiserver's per-call timeout is 3 s, so a 2 s delay still lets a
/// normal call through). Disposal stops both with SIGTERM and fails the class if either shutdown is unclean.
/// </summary>
public sealed class KmsNativeFixture : IAsyncLifetime
{
    public const string SlowDelay = "2s";

    private KmsNativeServer? _normal;
    private KmsNativeServer? _slow;

    internal KmsNativeServer Normal => _normal ?? throw new InvalidOperationException("Fixture not initialized.");

    internal KmsNativeServer Slow => _slow ?? throw new InvalidOperationException("Fixture not initialized.");

    public async Task InitializeAsync()
    {
        Task<KmsNativeServer> normal = KmsNativeServer.StartAsync();
        Task<KmsNativeServer> slow = KmsNativeServer.StartAsync(SlowDelay);
        try
        {
            await Task.WhenAll(normal, slow);
        }
        finally
        {
            _normal = normal.IsCompletedSuccessfully ? normal.Result : null;
            _slow = slow.IsCompletedSuccessfully ? slow.Result : null;
        }
    }

    public async Task DisposeAsync()
    {
        var problems = new List<string>();
        foreach ((string name, KmsNativeServer? server) in new[] { ("normal", _normal), ("slow", _slow) })
        {
            if (server is null)
            {
                continue;
            }

            await using (server)
            {
                (int exitCode, bool socketFileRemains) = await server.StopAsync();
                if (exitCode != 0 || socketFileRemains)
                {
                    problems.Add($"{name} server: exit code {exitCode} after SIGTERM (want 0), socket file " +
                                 $"{(socketFileRemains ? "still there" : "removed")}. Output:\n{server.Output}");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("\n", problems));
        }
    }
}
