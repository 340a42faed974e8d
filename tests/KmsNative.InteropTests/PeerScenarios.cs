// SPDX-License-Identifier: MIT
namespace KmsNative.InteropTests;

/// <summary>The scenario matrix shared by the grpc-go and grpc-js peers (same flags, same scenario names).</summary>
internal static class PeerScenarios
{
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    /// <summary>localhost: kube-apiserver KMS v2 since 1.32; path: KMS v1 and older v2; escaped: newer grpc-go.</summary>
    public static readonly string[] Authorities = ["localhost", "path", "escaped"];

    public static readonly string[] Scenarios = ["v2", "v1", "concurrent", "deadline", "unknown-method", "tampered", "no-message"];

    public static TheoryData<string, string> AuthorityByScenario()
    {
        var data = new TheoryData<string, string>();
        foreach (string authority in Authorities)
        {
            foreach (string scenario in Scenarios)
            {
                data.Add(authority, scenario);
            }
        }

        return data;
    }

    /// <summary>The deadline scenario needs the server that delays every call.</summary>
    public static KmsNativeServer ServerFor(KmsNativeFixture fixture, string scenario) =>
        scenario == "deadline" ? fixture.Slow : fixture.Normal;

    public static List<string> Arguments(KmsNativeServer server, string authority, string scenario) =>
        ["-socket", server.SocketPath, "-authority", authority, "-scenario", scenario];

    public static string FailureMessage(string peer, IEnumerable<string> arguments, int exitCode, string output,
                                        KmsNativeServer server) =>
        $"{peer} {string.Join(' ', arguments)} exited with {exitCode} (want 0).\n" +
        $"--- peer output ---\n{output}\n--- kmsnative output ---\n{server.Output}";
}
