// SPDX-License-Identifier: MIT
namespace KmsNative.InteropTests;

/// <summary>@grpc/grpc-js on Node, loading the repository's .proto files, against the published binary.</summary>
public sealed class GrpcJsInteropTests(KmsNativeFixture fixture) : IClassFixture<KmsNativeFixture>
{
    public static TheoryData<string, string> AuthorityByScenario => PeerScenarios.AuthorityByScenario();

    [Theory]
    [MemberData(nameof(AuthorityByScenario))]
    public async Task KmsClientJs_AuthorityAndScenario_ExitsZero(string authority, string scenario)
    {
        string node = InteropPaths.Node;
        string script = InteropPaths.JsClient;
        KmsNativeServer server = PeerScenarios.ServerFor(fixture, scenario);
        List<string> arguments = [script, .. PeerScenarios.Arguments(server, authority, scenario)];

        (int exitCode, string output) = await CapturedProcess.RunAsync(node, arguments, PeerScenarios.RunTimeout);

        Assert.True(exitCode == 0, PeerScenarios.FailureMessage("node", arguments, exitCode, output, server));
    }
}
