using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store;

/// <summary>Base of the store's typed errors; always names the blob.</summary>
public class BlobStoreException : IOException
{
    /// <summary>Creates the exception for <paramref name="hash"/>.</summary>
    public BlobStoreException(Hash hash, string message, Exception? inner = null)
        : base($"blob {hash.ToHex()}: {message}", inner) => Hash = hash;

    /// <summary>The blob concerned.</summary>
    public Hash Hash { get; }
}

/// <summary>The store does not hold the blob (or not the requested ranges of it).</summary>
public sealed class BlobNotFoundException : BlobStoreException
{
    /// <summary>Creates the exception; <paramref name="missing"/> are the requested chunk ranges not present.</summary>
    public BlobNotFoundException(Hash hash, ChunkRanges missing, string? detail = null)
        : base(hash, detail ?? (missing.IsAll ? "not in the store" : $"chunk ranges [{missing}] are not in the store")) => Missing = missing;

    /// <summary>The requested chunk ranges that are not present.</summary>
    public ChunkRanges Missing { get; }
}

/// <summary>
/// Stored bytes of a blob no longer match its hash (a flipped byte, a truncated file, an in-place source
/// edited after import). The blob is marked <see cref="BlobState.Corrupt"/> and not served until re-imported.
/// </summary>
public sealed class BlobCorruptException : BlobStoreException
{
    /// <summary>Creates the exception naming the first chunk (and its byte offset) that failed.</summary>
    public BlobCorruptException(Hash hash, ulong chunk, string reason, Exception? inner = null)
        : base(hash, $"corrupt at chunk {chunk} (byte offset {chunk * 1024}): {reason}", inner) => Chunk = chunk;

    /// <summary>The first chunk found bad.</summary>
    public ulong Chunk { get; }
}

/// <summary>A write contradicts what is known of the blob (another size after the size was proved).</summary>
public sealed class BlobSizeMismatchException : BlobStoreException
{
    /// <summary>Creates the exception.</summary>
    public BlobSizeMismatchException(Hash hash, ulong known, ulong claimed)
        : base(hash, $"size {known} is proved, a writer claims {claimed}")
    {
        Known = known;
        Claimed = claimed;
    }

    /// <summary>The proved size.</summary>
    public ulong Known { get; }

    /// <summary>The size the new writer claimed.</summary>
    public ulong Claimed { get; }
}

/// <summary>The blob is being written or is otherwise in use and the operation would break that.</summary>
public sealed class BlobBusyException(Hash hash, string message) : BlobStoreException(hash, message);
