using System.Runtime.InteropServices;

namespace KmsNative.Protocol.Server;

/// <summary>
/// Tells a unix socket file from any other file, which .NET's file APIs do not. Uses statx(2), whose struct layout
/// is the same on every Linux architecture (unlike struct stat).
/// </summary>
internal static partial class FileType
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode
    private const int FileTypeMask = 0xF000;
    private const int SocketType = 0xC000;

    public enum Kind
    {
        Missing,
        Socket,
        Other,
    }

    public static Kind Inspect(string path)
    {
        byte[] pathBytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        byte[] statx = new byte[256];
        if (Statx(AtFdCwd, pathBytes, AtSymlinkNoFollow, StatxType, statx) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            const int ENOENT = 2;
            return errno == ENOENT ? Kind.Missing : throw new IOException($"cannot inspect {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        int mode = BitConverter.ToUInt16(statx, StatxModeOffset);
        return (mode & FileTypeMask) == SocketType ? Kind.Socket : Kind.Other;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int Statx(int dirfd, byte[] pathname, int flags, uint mask, byte[] statxbuf);
}
