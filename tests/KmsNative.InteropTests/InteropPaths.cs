// SPDX-License-Identifier: MIT
namespace KmsNative.InteropTests;

/// <summary>
/// Where the binary under test and the peers live. A missing one is a test failure that names the script that
/// builds it: CI installs everything, so a silent skip would hide a broken pipeline.
/// </summary>
internal static class InteropPaths
{
    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);

    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>The published kmsnative executable: $KMSNATIVE_BINARY, or artifacts/kmsnative.</summary>
    public static string Binary
    {
        get
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable("KMSNATIVE_BINARY");
            string path = string.IsNullOrEmpty(fromEnvironment)
                ? Path.Combine(RepoRoot, "artifacts", "kmsnative")
                : Path.GetFullPath(fromEnvironment);
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"The KmsNative binary is missing at {path}. Publish it with build/publish.sh " +
                    "(artifacts/kmsnative), or point KMSNATIVE_BINARY at a published binary.");
            }

            return path;
        }
    }

    /// <summary>artifacts/interop/kmsclient-go, built by build/install-interop-deps.sh.</summary>
    public static string GoClient
    {
        get
        {
            string path = Path.Combine(RepoRoot, "artifacts", "interop", "kmsclient-go");
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"The grpc-go peer is missing at {path}. Build it with build/install-interop-deps.sh " +
                    "(installs golang-go and golang-google-grpc-dev, then builds the client).");
            }

            return path;
        }
    }

    /// <summary>tests/interop/js/kmsclient.js, whose node_modules come from build/install-interop-deps.sh.</summary>
    public static string JsClient
    {
        get
        {
            string directory = Path.Combine(RepoRoot, "tests", "interop", "js");
            string script = Path.Combine(directory, "kmsclient.js");
            if (!Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "grpc-js")))
            {
                throw new InvalidOperationException(
                    $"The grpc-js peer's packages are missing under {directory}/node_modules. Install them with " +
                    "build/install-interop-deps.sh (runs npm ci in tests/interop/js).");
            }

            return script;
        }
    }

    /// <summary>The node executable from PATH.</summary>
    public static string Node
    {
        get
        {
            foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            {
                string candidate = Path.Combine(directory, "node");
                if (directory.Length > 0 && File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException(
                "node is not on PATH. The grpc-js peer needs Node 20; build/install-interop-deps.sh expects it installed.");
        }
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KmsNative.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No KmsNative.sln above {AppContext.BaseDirectory}.");
    }
}
