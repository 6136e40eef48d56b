using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Tests.Transport;

public class TransportOptionsTests
{
    [Fact]
    public void DefaultsAreValid() => new TransportOptions().Validate();

    [Fact]
    public void AKeepAliveTimeoutNotAboveTheIntervalIsRefused()
    {
        using var key = SecretKey.Generate();
        var options = new TransportOptions { KeepAliveInterval = TimeSpan.FromSeconds(5), KeepAliveTimeout = TimeSpan.FromSeconds(5) };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NodeEndpoint(key, options));
        Assert.Equal(nameof(TransportOptions.KeepAliveTimeout), e.ParamName);
    }

    [Theory]
    [InlineData(nameof(TransportOptions.StreamReceiveWindow))]
    [InlineData(nameof(TransportOptions.MaxConcurrentStreams))]
    [InlineData(nameof(TransportOptions.MaxRequestHeaderSize))]
    [InlineData(nameof(TransportOptions.ConnectTimeout))]
    [InlineData(nameof(TransportOptions.MaxStreamReceiveWindow))]
    [InlineData(nameof(TransportOptions.ReceiveWindowGrowthBudget))]
    public void OutOfRangeValuesNameTheSetting(string name)
    {
        var options = name switch
        {
            nameof(TransportOptions.StreamReceiveWindow) => new TransportOptions { StreamReceiveWindow = 10 },
            nameof(TransportOptions.MaxStreamReceiveWindow) => new TransportOptions { MaxStreamReceiveWindow = (1 << 30) + 1 },
            nameof(TransportOptions.ReceiveWindowGrowthBudget) => new TransportOptions { ReceiveWindowGrowthBudget = -1 },
            nameof(TransportOptions.MaxConcurrentStreams) => new TransportOptions { MaxConcurrentStreams = 0 },
            nameof(TransportOptions.MaxRequestHeaderSize) => new TransportOptions { MaxRequestHeaderSize = -1 },
            _ => new TransportOptions { ConnectTimeout = TimeSpan.Zero },
        };
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(options.Validate).ParamName);
    }

    [Fact]
    public void AMaximumWindowBelowTheInitialOneIsValidAndMeansNoGrowth() =>
        new TransportOptions { StreamReceiveWindow = 4 << 20, MaxStreamReceiveWindow = 1 << 20 }.Validate();
}
