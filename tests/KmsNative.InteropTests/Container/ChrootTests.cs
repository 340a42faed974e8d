// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;
using KmsNative.InteropTests.KeyVault;
using KmsNative.InteropTests.Systemd;

namespace KmsNative.InteropTests.Container;

/// <summary>
/// The container's file set, without Docker: build/rootfs.sh (which build/Dockerfile runs too) assembles it into a
/// directory, and the plugin runs there under chroot, on the Key Vault backend. The emulator runs outside on loopback;
/// the plugin reaches it through HTTPS_PROXY as build/demo.sh does, trusting the emulator's CA copied in as the only
/// CA bundle. A round trip over the socket proves that nothing outside the set (ICU, libstdc++, a shell) is needed.
/// </summary>
public sealed class ChrootTests : IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("kmsnative-rootfs-");
    private KeyVaultEmulatorProcess? _emulator;

    public async Task InitializeAsync() => _emulator = await KeyVaultEmulatorProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task Rootfs_PluginInChroot_ServesKeyVaultRoundTrip()
    {
        Assert.Equal("root", Environment.UserName);
        string root = _root.FullName;
        (int built, string buildOutput) = await CapturedProcess.RunAsync("bash",
            [Path.Combine(InteropPaths.RepoRoot, "build", "rootfs.sh"), InteropPaths.Binary, root], TimeSpan.FromMinutes(1));
        Assert.True(built == 0, buildOutput);
        AssertOnlyTheExpectedFiles(root);

        SeededKey key = await _emulator!.SeedKeyAsync("kek");
        // The emulator's CA replaces the bundle (in Azure, the public CAs in the real bundle do this job).
        File.Copy(_emulator.CaFile, Path.Combine(root, "etc", "ssl", "certs", "ca-certificates.crt"), overwrite: true);
        Directory.CreateDirectory(Path.Combine(root, "etc", "kubernetes"));
        File.WriteAllText(Path.Combine(root, "etc", "kubernetes", "azure.json"), KeyVaultPlugin.ClientSecretConfig(_emulator).ToJsonString());
        Directory.CreateDirectory(Path.Combine(root, "opt"));

        Dictionary<string, string?> environment = KeyVaultPlugin.CleanEnvironment();
        environment["HTTPS_PROXY"] = _emulator.ProxyUrl;
        environment["PATH"] = "/usr/bin:/bin:/usr/sbin:/sbin"; // for unshare's shell outside; the chroot has no /bin
        // What every container runtime adds to the image: /proc, /sys (read-only) and a /dev with null, zero, random
        // and urandom. They are mounted in a private mount namespace (unshare -m, no fork: the plugin keeps this PID),
        // so nothing outlives the process; then chroot into the file set and exec the plugin.
        foreach (string directory in new[] { "proc", "sys", "dev" })
        {
            Directory.CreateDirectory(Path.Combine(root, directory));
        }

        string mounts = $"mount -t proc proc '{root}/proc' && mount -t sysfs -o ro sysfs '{root}/sys' && mount -t tmpfs -o mode=755 tmpfs '{root}/dev'"
            + $" && for d in null zero random urandom; do touch '{root}'/dev/$d && mount --bind /dev/$d '{root}'/dev/$d || exit 1; done"
            + $" && exec chroot '{root}' /kmsnative --listen-addr=unix:///opt/azurekms.socket --keyvault-name {SeededKey.VaultName}"
            + $" --key-name {key.Name} --key-version {key.Version} -v 2";
        using CapturedProcess plugin = CapturedProcess.Start("unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", mounts], environment);
        try
        {
            string socketPath = Path.Combine(root, "opt", "azurekms.socket");
            await plugin.WaitForSocketFileAsync(socketPath, TimeSpan.FromSeconds(20));

            try
            {
                await SystemdTools.AssertRoundTripAsync(socketPath);
            }
            catch (Grpc.Core.RpcException ex)
            {
                throw new InvalidOperationException($"round trip failed: {ex.Status}\n{plugin.Output}", ex);
            }

            Assert.Equal(0, NativeMethods.Kill(plugin.Id, NativeMethods.Sigterm));
            Assert.True(await plugin.WaitForExitAsync(TimeSpan.FromSeconds(30)), plugin.Output);
            Assert.True(plugin.ExitCode == 0, $"exit {plugin.ExitCode}:\n{plugin.Output}");
        }
        finally
        {
            plugin.Kill();
        }
    }

    [Fact]
    public async Task Rootfs_MissingBinary_FailsNamingIt()
    {
        string missing = Path.Combine(_root.FullName, "no-such-binary");

        (int exitCode, string output) = await CapturedProcess.RunAsync("bash",
            [Path.Combine(InteropPaths.RepoRoot, "build", "rootfs.sh"), missing, Path.Combine(_root.FullName, "out")], TimeSpan.FromMinutes(1));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(missing, output, StringComparison.Ordinal);
    }

    /// <summary>The binary, the loader, glibc, OpenSSL, the CA bundle, passwd/group; no shell, no ICU, no libstdc++.</summary>
    private static void AssertOnlyTheExpectedFiles(string root)
    {
        string[] files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => "/" + Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();
        string listing = string.Join('\n', files);
        foreach (string file in files)
        {
            string name = Path.GetFileName(file);
            bool expected = file is "/kmsnative" or "/etc/passwd" or "/etc/group" or "/etc/ssl/certs/ca-certificates.crt" or "/usr/lib/ssl/cert.pem"
                || name.StartsWith("ld-linux", StringComparison.Ordinal)
                || name is "libc.so.6" or "libm.so.6" or "libssl.so.3" or "libcrypto.so.3" or "libz.so.1" or "libzstd.so.1";
            Assert.True(expected, $"unexpected file {file} in the runtime file set:\n{listing}");
        }

        Assert.DoesNotContain(files, f => f.Contains("libicu", StringComparison.Ordinal) || f.Contains("libstdc++", StringComparison.Ordinal)
                                           || f.EndsWith("/sh", StringComparison.Ordinal));
        Assert.Contains("/kmsnative", files);
        Assert.Contains("/etc/ssl/certs/ca-certificates.crt", files);
    }
}
