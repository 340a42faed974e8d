using System.Runtime.InteropServices;

namespace KmsNative.Memory;

/// <summary>
/// Gives the pages the plugin no longer uses back: once start-up is over, and again after each burst of calls
/// (<see cref="IdleTrimmer"/>). Three kinds:
/// <list type="bullet">
/// <item>Clean file pages. Start-up runs code and reads data that serving never touches again (flag and azure.json
/// parsing, MSAL and OpenSSL set-up, the 1.5 MB of compressed type data Native AOT expands into its
/// <c>.hydrated</c> section), and the kernel maps 64 KiB around every page touched. <c>madvise(MADV_DONTNEED)</c> on
/// a clean private file mapping only unmaps: the pages stay in the page cache, and whatever is touched again is
/// mapped back by a minor fault.</item>
/// <item>The GC heap: a compacting collection in <see cref="GCCollectionMode.Aggressive"/> mode returns the free
/// space that a burst of calls committed (the gen0 budget is 1 MiB, KmsNative.csproj).</item>
/// <item>glibc's heap: OpenSSL allocates its TLS and key state with malloc, and what the collection's finalizers
/// free there (connections the pool closed) stays resident until <c>malloc_trim</c> hands the free pages back.</item>
/// </list>
/// docs/memory.md has the figures.
/// </summary>
internal static partial class ResidentSet
{
    private const int MadviseDontNeed = 4;

    // mallopt's parameter number for the arena limit (glibc malloc.h).
    private const int MallocArenaMax = -8;

    /// <summary>Trims all three; returns the bytes of address space whose file pages were unmapped (0 without /proc).</summary>
    /// <remarks>
    /// The file pages go last: the collection, the finalizers and <c>malloc_trim</c> run code of their own (the GC's,
    /// libm's), which a trim that unmapped first would see mapped straight back. The mappings are read first, so
    /// the text of <c>/proc/self/smaps</c> (a large string) is garbage the collection frees. Between the read and the
    /// <c>madvise</c> calls no file mapping goes away: the binary and the libraries it loaded stay mapped for the
    /// process's life (.NET never unloads them).
    /// </remarks>
    public static long Trim()
    {
        List<AddressRange> cleanFilePages = ReadCleanFileMappings();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        // The OpenSSL handles the collection found unreachable are freed by their finalizers: wait for them, so the
        // trim below sees their memory free.
        GC.WaitForPendingFinalizers();
        _ = MallocTrim(0); // 1 when it gave pages back, 0 when there were none: both fine
        return Unmap(cleanFilePages);
    }

    /// <summary>
    /// Keeps glibc's malloc to <paramref name="arenas"/> arenas. By default every thread that meets a locked arena
    /// gets one of its own (up to 8 per core), each holding its freed chunks resident; the plugin's native
    /// allocations are OpenSSL's, a few per Key Vault call, and do not need more than two. Call before the threads
    /// that allocate start; arenas already made stay. False if glibc refused the setting.
    /// </summary>
    public static bool LimitMallocArenas(int arenas) => Mallopt(MallocArenaMax, arenas) == 1;

    private static List<AddressRange> ReadCleanFileMappings()
    {
        try
        {
            return CleanFileMappings.Parse(File.ReadAllText("/proc/self/smaps"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static long Unmap(List<AddressRange> ranges)
    {
        long released = 0;
        foreach (AddressRange range in ranges)
        {
            if (Madvise((nint)range.Start, (nuint)range.Length, MadviseDontNeed) == 0)
            {
                released += (long)range.Length;
            }
        }

        return released;
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
