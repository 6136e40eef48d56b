namespace IrohActors.Cli.Commands;

/// <summary>
/// Whether this VM hands free memory back to its host (virtio-balloon free page reporting), which makes writing to
/// memory the kernel has not touched lately slow: a 1 GiB write into fresh page cache took 2.4–2.9 s here with reporting
/// on, 0.2–0.3 s with it off. curl to disk writes into the page cache and pays this; the node's direct writes do not, so
/// the ratio would flatter the node. The bench prints a warning when reporting is on.
/// </summary>
internal static class FreePageReporting
{
    private const string Order = "/sys/module/page_reporting/parameters/page_reporting_order";
    private const string Balloon = "/sys/bus/virtio/drivers/virtio_balloon";

    /// <summary>A line to print when free pages are reported to the host; null when they are not (or this is not Linux).</summary>
    public static string? Warning() => OperatingSystem.IsLinux() ? Warning(Order, Balloon) : null;

    /// <summary><see cref="Warning()"/> with the two places it looks at given (for tests).</summary>
    internal static string? Warning(string orderFile, string balloonDriver)
    {
        try
        {
            if (!File.Exists(orderFile) || !Directory.Exists(balloonDriver)
                || !Directory.EnumerateFileSystemEntries(balloonDriver, "virtio*").Any())
                return null;
            // Orders above the largest buddy order (10) report nothing.
            if (!int.TryParse(File.ReadAllText(orderFile).Trim(), out var order) || order > 10)
                return null;
            return "warning: this VM reports free pages to its host (virtio-balloon, page_reporting_order " + order + "): writing to fresh "
                + "page cache is several times slower, which slows curl to disk but not the node's direct writes, so the ratio flatters "
                + "the node. For a fair anchor, as root: echo 11 > " + Order;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
