// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KmsNative.InteropTests;

internal static class NativeMethods
{
    public const int Sigterm = 15;

    /// <summary>kill(2). The BCL can send only SIGKILL (Process.Kill); a graceful stop needs SIGTERM.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Kill(int pid, int signal);
}
