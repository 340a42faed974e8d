using KmsNative.Memory;

namespace KmsNative.Tests.Memory;

/// <summary>
/// ResidentSet calls into glibc and the kernel of the test process itself: these prove the calls are bound and
/// accepted (a wrong entry point or parameter number fails here, not first in production), and that the process
/// keeps running code and reading data after its clean file pages were unmapped.
/// </summary>
public sealed class ResidentSetTests
{
    [Fact]
    public void Trim_UnmapsCleanFilePages_AndTheProcessKeepsWorking()
    {
        long released = ResidentSet.Trim();

        Assert.True(released > 0, "a process with a loaded runtime has clean read-only file mappings to unmap");
        // CoreLib's precompiled code and the runtime's are file mappings the trim just unmapped: they fault back in.
        Assert.Equal("000102", Convert.ToHexString([0, 1, 2]));
        Assert.True(ResidentSet.Trim() > 0, "a second trim finds the mappings again (they are unmapped, not removed)");
    }

    [Fact]
    public void LimitMallocArenas_GlibcAcceptsTheLimit()
    {
        Assert.True(ResidentSet.LimitMallocArenas(8));
    }
}
