using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store;

/// <summary>Settings of a blob store (HOCON section <c>iroh.store</c>).</summary>
public sealed record StoreOptions
{
    /// <summary>Data up to this size lives in the database instead of a file (iroh: 16 KiB).</summary>
    public int MaxInlineData { get; init; } = 16 * 1024;

    /// <summary>Outboards up to this size live in the database (16 KiB keeps blobs up to about 4 MiB at chunk log 4).</summary>
    public int MaxInlineOutboard { get; init; } = 16 * 1024;

    /// <summary>Chunk-group size of the outboards (chunk log 4 = 16 KiB groups, as iroh).</summary>
    public BlockSize BlockSize { get; init; } = BlockSize.Default;

    /// <summary>A writer makes its data durable and records ranges after this many bytes (and when flushed or closed).</summary>
    public int WriterFlushBytes { get; init; } = 4 << 20;

    /// <summary>
    /// Lists the children of a pinned <see cref="BlobFormat.HashSeq"/> blob for garbage collection; null reads the
    /// blob as iroh's hash sequence (concatenated 32-byte hashes). The collections layer plugs its reader in here.
    /// </summary>
    public Func<Hash, IAsyncEnumerable<Hash>>? ChildEnumerator { get; init; }
}
