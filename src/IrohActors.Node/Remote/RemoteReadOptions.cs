using IrohActors.Bao;
using IrohActors.Hocon;
using IrohActors.Store;

namespace IrohActors.Node.Remote;

/// <summary>How a <see cref="RemoteBlobReader"/> talks to its provider and how much verified data it keeps.</summary>
public sealed record RemoteReadOptions
{
    /// <summary>
    /// The provider's chunk-group size (its <c>iroh.store.chunk-log</c>): the shape of the verified stream it sends
    /// depends on it, so the decoder must use the same. Default: chunk log 4 (16 KiB), iroh's and the store's default.
    /// </summary>
    public BlockSize BlockSize { get; init; } = BlockSize.Default;

    /// <summary>
    /// At most this many bytes of verified 1 KiB chunks are kept (least recently used first out), so neighbouring
    /// reads (a collection's header and root page, a prefix scan's next read) do not fetch a chunk again. 0 = no cache.
    /// </summary>
    public long CacheBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Reads <c>iroh.collections.remote.cache-size</c> and takes the provider's chunk-group size to be this deployment's
    /// <c>iroh.store.chunk-log</c> (see hocon/reference.conf); missing keys keep the defaults.
    /// </summary>
    /// <exception cref="ArgumentException">A value is out of range (the message names the key).</exception>
    public static RemoteReadOptions FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var defaults = new RemoteReadOptions();
        var cache = config.GetByteSize("iroh.collections.remote.cache-size", defaults.CacheBytes);
        if (cache < 0)
            throw new ArgumentException($"iroh.collections.remote.cache-size must be ≥ 0, got {cache}");
        return new RemoteReadOptions { BlockSize = StoreOptions.FromConfig(config).BlockSize, CacheBytes = cache };
    }

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative cache size.</exception>
    public void Validate() => ArgumentOutOfRangeException.ThrowIfNegative(CacheBytes);
}
