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
    /// When set, every chunk group a read fetches is also written (verified items only) into this store as a partial
    /// blob: requests are rounded out to whole groups, which is what a store can record, so a read fetches more (up
    /// to a group per range), and a later download resumes from what was read; once the blob is complete there,
    /// <c>IrohNode.OpenRemoteCollectionAsync</c> opens it locally. Its block size must equal <see cref="BlockSize"/>.
    /// Null (the default): nothing is stored.
    /// </summary>
    public IBlobStore? Store { get; init; }

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
    /// <exception cref="ArgumentException">A <see cref="Store"/> whose block size differs from <see cref="BlockSize"/>.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(CacheBytes);
        if (Store is { } store && store.BlockSize != BlockSize)
            throw new ArgumentException($"the store writes chunk groups of {store.BlockSize}, the provider is read with {BlockSize}", nameof(Store));
    }
}
