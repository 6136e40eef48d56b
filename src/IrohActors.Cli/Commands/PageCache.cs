using System.Diagnostics;

namespace IrohActors.Cli.Commands;

/// <summary>
/// Writes back and empties the kernel's page cache around benchmark runs, for figures measured "cold cache" as the anchors are:
/// <c>sync</c>, then <c>3</c> into <c>/proc/sys/vm/drop_caches</c> (clean page cache, dentries and inodes). Needs root.
/// </summary>
internal static class PageCache
{
    private const string DropCaches = "/proc/sys/vm/drop_caches";

    /// <summary>Whether this process may drop the caches (root on Linux), without dropping them.</summary>
    public static bool CanDrop()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(DropCaches))
            return false;
        try
        {
            using var probe = new FileStream(DropCaches, FileMode.Open, FileAccess.Write);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    /// <summary>Writes back dirty pages, then drops the clean ones; returns how long that took, in seconds.</summary>
    public static double Drop()
    {
        var clock = Stopwatch.StartNew();
        Sync();
        File.WriteAllText(DropCaches, "3\n");
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Runs <c>sync</c>: everything dirty written back; returns how long that took, in seconds.</summary>
    public static double Sync()
    {
        var clock = Stopwatch.StartNew();
        using var sync = Process.Start(new ProcessStartInfo("sync"))!;
        sync.WaitForExit();
        return clock.Elapsed.TotalSeconds;
    }
}
