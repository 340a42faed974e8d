using KmsNative.Memory;

namespace KmsNative.Tests.Memory;

public sealed class CleanFileMappingsTests
{
    // Trimmed from a real /proc/<kmsnative>/smaps: the binary's read-only, code and RELRO mappings, its data, the
    // heap, an anonymous mapping, a deleted file, a shared mapping and the vdso.
    private const string Smaps = """
        55facac97000-55facaca9000 r--p 00000000 fe:00 5310959                    /usr/local/bin/kmsnative
        Size:                 72 kB
        Rss:                  72 kB
        Anonymous:             0 kB
        VmFlags: rd mr mw me sd
        55facaca9000-55facb1f5000 r-xp 00012000 fe:00 5310959                    /usr/local/bin/kmsnative
        Size:               5424 kB
        Rss:                4500 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me sd
        55facb61d000-55facb61f000 r--p 00985000 fe:00 5310959                    /usr/local/bin/kmsnative
        Size:                  8 kB
        Rss:                   8 kB
        Anonymous:             8 kB
        VmFlags: rd mr mw me ac sd
        55facb61f000-55facb642000 rw-p 00987000 fe:00 5310959                    /usr/local/bin/kmsnative
        Size:                140 kB
        Anonymous:            36 kB
        55facd4a2000-55facd525000 rw-p 00000000 00:00 0                          [heap]
        Anonymous:           404 kB
        7f0000000000-7f0000021000 r--p 00000000 00:00 0
        Anonymous:             0 kB
        7f1000000000-7f1000010000 r--p 00000000 fe:00 77                         /usr/lib/old.so (deleted)
        Anonymous:             0 kB
        7f2000000000-7f2000010000 r--s 00000000 fe:00 78                         /var/lib/shared.db
        Anonymous:             0 kB
        7f3000000000-7f3000400000 r-xp 00000000 fe:00 79                         /usr/lib/x86_64-linux-gnu/libcrypto.so.3
        Anonymous:             0 kB
        7ffd0000a000-7ffd0000c000 r-xp 00000000 00:00 0                          [vdso]
        Anonymous:             0 kB
        """;

    [Fact]
    public void Parse_RealSmaps_OnlyCleanPrivateReadOnlyFileMappings()
    {
        List<AddressRange> clean = CleanFileMappings.Parse(Smaps.ReplaceLineEndings("\n"));

        Assert.Equal(
            [
                new AddressRange(0x55facac97000, 0x55facaca9000),
                new AddressRange(0x55facaca9000, 0x55facb1f5000),
                new AddressRange(0x7f3000000000, 0x7f3000400000),
            ],
            clean);
    }

    [Fact]
    public void Parse_RelocatedReadOnlyMapping_KeptBecauseItsPagesDifferFromTheFile()
    {
        List<AddressRange> clean = CleanFileMappings.Parse("""
            55facb61d000-55facb61f000 r--p 00985000 fe:00 5310959 /usr/local/bin/kmsnative
            Anonymous:             4 kB
            """.ReplaceLineEndings("\n"));

        Assert.Empty(clean);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not smaps at all")]
    [InlineData("zzzz-55facaca9000 r-xp 00012000 fe:00 1 /bin/x\nAnonymous: 0 kB")]
    [InlineData("55facaca9000-55facac97000 r-xp 00012000 fe:00 1 /bin/x\nAnonymous: 0 kB")]
    [InlineData("55facac97000-55facaca9000 r-xp 00012000 fe:00 1 /bin/x")]
    [InlineData("55facac97000-55facaca9000 r-xp 00012000 fe:00 1 /bin/x\nAnonymous: garbage")]
    [InlineData("Anonymous: 0 kB")]
    public void Parse_MalformedOrIncomplete_NothingReleased(string smaps)
    {
        Assert.Empty(CleanFileMappings.Parse(smaps));
    }

    [Fact]
    public void Parse_ThisProcess_FindsItsOwnCleanMappings()
    {
        List<AddressRange> clean = CleanFileMappings.Parse(File.ReadAllText("/proc/self/smaps"));

        Assert.NotEmpty(clean);
        Assert.All(clean, range => Assert.True(range.End > range.Start));
    }
}
