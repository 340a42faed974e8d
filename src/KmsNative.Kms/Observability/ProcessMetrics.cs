using System.Globalization;

namespace KmsNative.Kms.Observability;

/// <summary>
/// The standard process_* metrics (Prometheus client_golang's names), read from /proc at scrape time, and .NET GC
/// counters. Nothing is sampled in the background.
/// </summary>
internal static class ProcessMetrics
{
    // USER_HZ: the unit of /proc/[pid]/stat times; 100 on every Linux architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;

    public static void Write(PrometheusWriter writer)
    {
        if (TryReadStat(out double cpuSeconds, out double startTicks))
        {
            writer.Counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", cpuSeconds);
            if (TryReadBootTime(out long bootTime))
            {
                writer.Gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", bootTime + (startTicks / ClockTicksPerSecond));
            }
        }

        if (TryReadStatm(out long virtualPages, out long residentPages))
        {
            writer.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", virtualPages * (double)Environment.SystemPageSize);
            writer.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", residentPages * (double)Environment.SystemPageSize);
        }

        try
        {
            int fds = Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
            writer.Gauge("process_open_fds", "Number of open file descriptors.", fds);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        if (TryReadMaxFds(out double maxFds))
        {
            writer.Gauge("process_max_fds", "Maximum number of open file descriptors.", maxFds);
        }

        writer.Header("dotnet_gc_collections_total", "counter", "Garbage collections since the process started, by generation.");
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            writer.Sample("dotnet_gc_collections_total", [("generation", generation.ToString(CultureInfo.InvariantCulture))], GC.CollectionCount(generation));
        }

        writer.Counter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes());
        writer.Gauge("dotnet_gc_heap_size_bytes", "Managed heap size after the last garbage collection.", GC.GetGCMemoryInfo().HeapSizeBytes);
        writer.Counter("dotnet_gc_pause_seconds_total", "Time the process was paused for garbage collection.", GC.GetTotalPauseDuration().TotalSeconds);
    }

    // /proc/self/stat: "pid (comm) state ppid ..."; after the last ')', field 14 utime, 15 stime, 22 starttime (1-based).
    private static bool TryReadStat(out double cpuSeconds, out double startTicks)
    {
        cpuSeconds = startTicks = 0;
        if (!TryReadAll("/proc/self/stat", out string stat))
        {
            return false;
        }

        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state)
        if (fields.Length < 20
            || !long.TryParse(fields[11], CultureInfo.InvariantCulture, out long utime)
            || !long.TryParse(fields[12], CultureInfo.InvariantCulture, out long stime)
            || !long.TryParse(fields[19], CultureInfo.InvariantCulture, out long start))
        {
            return false;
        }

        cpuSeconds = (utime + stime) / ClockTicksPerSecond;
        startTicks = start;
        return true;
    }

    private static bool TryReadBootTime(out long bootTime)
    {
        bootTime = 0;
        if (!TryReadAll("/proc/stat", out string stat))
        {
            return false;
        }

        foreach (string line in stat.Split('\n'))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal))
            {
                return long.TryParse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture, out bootTime);
            }
        }

        return false;
    }

    private static bool TryReadStatm(out long virtualPages, out long residentPages)
    {
        virtualPages = residentPages = 0;
        if (!TryReadAll("/proc/self/statm", out string statm))
        {
            return false;
        }

        string[] fields = statm.Split(' ');
        return fields.Length >= 2
            && long.TryParse(fields[0], CultureInfo.InvariantCulture, out virtualPages)
            && long.TryParse(fields[1], CultureInfo.InvariantCulture, out residentPages);
    }

    // "Max open files            1048576              1048576              files"
    private static bool TryReadMaxFds(out double maxFds)
    {
        maxFds = 0;
        if (!TryReadAll("/proc/self/limits", out string limits))
        {
            return false;
        }

        foreach (string line in limits.Split('\n'))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                string[] parts = line[14..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 0 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out maxFds);
            }
        }

        return false;
    }

    private static bool TryReadAll(string path, out string text)
    {
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (IOException)
        {
            text = "";
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            text = "";
            return false;
        }
    }
}
