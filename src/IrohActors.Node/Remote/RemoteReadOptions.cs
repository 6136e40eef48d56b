using IrohActors.Bao;

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

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative cache size.</exception>
    public void Validate() => ArgumentOutOfRangeException.ThrowIfNegative(CacheBytes);
}
