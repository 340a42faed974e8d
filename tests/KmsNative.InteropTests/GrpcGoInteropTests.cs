// SPDX-License-Identifier: MIT
namespace KmsNative.InteropTests;

/// <summary>grpc-go 1.33 (Debian), dialing as kube-apiserver does, against the published binary.</summary>
public sealed class GrpcGoInteropTests(KmsNativeFixture fixture) : IClassFixture<KmsNativeFixture>
{
    public static TheoryData<string, string> AuthorityByScenario => PeerScenarios.AuthorityByScenario();

    [Theory]
    [MemberData(nameof(AuthorityByScenario))]
    public async Task KmsClientGo_AuthorityAndScenario_ExitsZero(string authority, string scenario)
    {
        string client = InteropPaths.GoClient;
        KmsNativeServer server = PeerScenarios.ServerFor(fixture, scenario);
        List<string> arguments = PeerScenarios.Arguments(server, authority, scenario);

        (int exitCode, string output) = await CapturedProcess.RunAsync(client, arguments, PeerScenarios.RunTimeout);

        Assert.True(exitCode == 0,
            PeerScenarios.FailureMessage("artifacts/interop/kmsclient-go", arguments, exitCode, output, server));
    }

    [Fact]
    public async Task KmsClientGo_FourProcessesInParallel_AllExitZero()
    {
        // Four processes, four connections: the server's handlers run in parallel, not one connection's worth.
        string client = InteropPaths.GoClient;
        KmsNativeServer server = fixture.Normal;
        List<string> arguments = [.. PeerScenarios.Arguments(server, "localhost", "concurrent"), "-n", "1000", "-concurrency", "32"];

        (int ExitCode, string Output)[] runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(
            _ => CapturedProcess.RunAsync(client, arguments, PeerScenarios.RunTimeout)));

        Assert.All(runs, run => Assert.True(run.ExitCode == 0,
            PeerScenarios.FailureMessage("artifacts/interop/kmsclient-go", arguments, run.ExitCode, run.Output, server)));
    }
}
