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
}
