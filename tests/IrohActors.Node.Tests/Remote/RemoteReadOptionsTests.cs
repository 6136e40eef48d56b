using IrohActors.Bao;
using IrohActors.Hocon;
using IrohActors.Node.Remote;

namespace IrohActors.Node.Tests.Remote;

public class RemoteReadOptionsTests
{
    [Fact]
    public void TheReferenceConfigurationGivesTheDocumentedDefaults()
    {
        var options = RemoteReadOptions.FromConfig(HoconConfig.Load());
        Assert.Equal(new RemoteReadOptions(), options);
        Assert.Equal(1 << 20, options.CacheBytes);
        Assert.Equal(BlockSize.FromChunkLog(4), options.BlockSize);
    }

    [Fact]
    public void CacheSizeAndTheStoresChunkLogAreRead()
    {
        var options = RemoteReadOptions.FromConfig(HoconConfig.Load(HoconConfig.ParseString("iroh.collections.remote.cache-size = 64KiB\niroh.store.chunk-log = 2")));
        Assert.Equal(64 * 1024, options.CacheBytes);
        Assert.Equal(BlockSize.FromChunkLog(2), options.BlockSize);
        Assert.Equal(0, RemoteReadOptions.FromConfig(HoconConfig.Load(HoconConfig.ParseString("iroh.collections.remote.cache-size = 0"))).CacheBytes);
    }

    [Fact]
    public void ANegativeCacheSizeNamesTheKey()
    {
        var e = Assert.ThrowsAny<Exception>(() => RemoteReadOptions.FromConfig(HoconConfig.Load(HoconConfig.ParseString("iroh.collections.remote.cache-size = -1"))));
        Assert.Contains("iroh.collections.remote.cache-size", e.Message);
    }
}
