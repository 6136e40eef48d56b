using IrohActors.Cli.Commands;
using IrohActors.Node.Transport;

namespace IrohActors.Cli.Tests;

/// <summary>How <c>iroh.node</c> and <c>iroh.provider</c> in HOCON become the node's options.</summary>
public sealed class NodeSettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "node-settings-" + Guid.NewGuid().ToString("N"));

    public NodeSettingsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string text)
    {
        var file = Path.Combine(_dir, "node.conf");
        File.WriteAllText(file, text);
        return file;
    }

    [Fact]
    public void TheReferenceWindowsAreTheTransportDefaults()
    {
        var transport = NodeSettings.Load(null, _dir, "").Transport;
        var defaults = new TransportOptions();
        Assert.Equal(defaults.StreamReceiveWindow, transport.StreamReceiveWindow);
        Assert.Equal(defaults.MaxStreamReceiveWindow, transport.MaxStreamReceiveWindow);
        Assert.Equal(defaults.ReceiveWindowGrowthBudget, transport.ReceiveWindowGrowthBudget);
    }

    [Fact]
    public void WindowsComeFromTheConfig()
    {
        var file = Config("""
            iroh.node {
              stream-receive-window = 512 KiB
              max-stream-receive-window = 32 MiB
              receive-window-growth-budget = 1 GiB
            }
            """);
        var transport = NodeSettings.Load(file, _dir, "").Transport;
        Assert.Equal(512 * 1024, transport.StreamReceiveWindow);
        Assert.Equal(32 << 20, transport.MaxStreamReceiveWindow);
        Assert.Equal(1 << 30, transport.ReceiveWindowGrowthBudget);
        transport.Validate();
    }

    [Fact]
    public void ConnectionThreadsAreOnUnlessTheConfigTurnsThemOff()
    {
        Assert.True(NodeSettings.Load(null, _dir, "").Transport.ConnectionThreads);
        Assert.False(NodeSettings.Load(Config("iroh.node.connection-threads = off"), _dir, "").Transport.ConnectionThreads);
        var e = Assert.Throws<IrohActors.Hocon.HoconValueException>(() => NodeSettings.Load(Config("iroh.node.connection-threads = sometimes"), _dir, ""));
        Assert.Contains("node.conf:1:", e.Message);
        Assert.Contains("'connection-threads' is the string 'sometimes', expected a boolean", e.Message);
    }

    [Fact]
    public void TheTlsProviderIsOpenSslUnlessTheConfigNamesSslStream()
    {
        Assert.Equal(TlsProvider.OpenSsl, NodeSettings.Load(null, _dir, "").Transport.Tls);
        Assert.Equal(TlsProvider.SslStream, NodeSettings.Load(Config("iroh.node.tls = sslstream"), _dir, "").Transport.Tls);
        var e = Assert.Throws<FormatException>(() => NodeSettings.Load(Config("iroh.node.tls = schannel"), _dir, ""));
        Assert.Equal("iroh.node.tls = schannel: must be openssl or sslstream", e.Message);
    }

    [Fact]
    public void ASizeBeyond32BitsNamesItsKey()
    {
        var file = Config("iroh.node.receive-window-growth-budget = 4 GiB");
        var e = Assert.Throws<FormatException>(() => NodeSettings.Load(file, _dir, ""));
        Assert.Contains("iroh.node.receive-window-growth-budget", e.Message);
    }

    [Fact]
    public void TheStallTimeoutIsReadAndMayBeInfinite()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), NodeSettings.Load(null, _dir, "").Provider.StallTimeout);
        Assert.Equal(Timeout.InfiniteTimeSpan, NodeSettings.Load(Config("iroh.provider.stall-timeout = infinite"), _dir, "").Provider.StallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), NodeSettings.Load(Config("iroh.provider.stall-timeout = 5s"), _dir, "").Provider.StallTimeout);
    }

    [Theory]
    [InlineData("iroh.provider.max-concurrent-requests = -5", "iroh.provider.max-concurrent-requests = -5: must be at least 1")]
    [InlineData("iroh.provider.max-request-size = 1", "iroh.provider.max-request-size = 1: must be at least 2 bytes")]
    [InlineData("iroh.node.stream-receive-window = 0", "iroh.node.stream-receive-window = 0: must be 1024..")]
    [InlineData("iroh.provider.stall-timeout = 0s", "iroh.provider.stall-timeout = 00:00:00: must be positive (or infinite)")]
    public void AValueOutOfRangeNamesItsKeyNotTheProperty(string line, string message)
    {
        var e = Assert.Throws<FormatException>(() => NodeSettings.Load(Config(line), _dir, ""));
        Assert.StartsWith(message, e.Message);
    }
}
