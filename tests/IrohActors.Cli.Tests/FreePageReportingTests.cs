using IrohActors.Cli.Commands;

namespace IrohActors.Cli.Tests;

/// <summary>The bench's warning that the VM hands free pages back to its host (which slows curl to disk, not the node).</summary>
public class FreePageReportingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"fpr-{Guid.NewGuid():N}");

    public FreePageReportingTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(true, "9\n", true)]
    [InlineData(true, "0", true)]
    [InlineData(true, "11\n", false)] // above the largest order: nothing is reported
    [InlineData(false, "9", false)] // no balloon device bound
    [InlineData(true, "", false)]
    public void WarnsOnlyWhenABalloonReportsFreePages(bool device, string order, bool warns)
    {
        var orderFile = Path.Combine(_root, "page_reporting_order");
        File.WriteAllText(orderFile, order);
        var driver = Path.Combine(_root, "virtio_balloon");
        Directory.CreateDirectory(driver);
        if (device)
            Directory.CreateDirectory(Path.Combine(driver, "virtio3"));
        var warning = FreePageReporting.Warning(orderFile, driver);
        Assert.Equal(warns, warning is not null);
        if (warns)
            Assert.Contains($"page_reporting_order {order.Trim()}", warning);
    }

    [Fact]
    public void NoModuleNoWarning() => Assert.Null(FreePageReporting.Warning(Path.Combine(_root, "absent"), Path.Combine(_root, "absent-driver")));
}
