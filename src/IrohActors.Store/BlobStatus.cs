using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store;

/// <summary>What the store holds of a blob.</summary>
public enum BlobState
{
    /// <summary>Nothing is stored under the hash.</summary>
    Absent,

    /// <summary>Some chunk groups are stored and verified; see <see cref="BlobStatus.Ranges"/>.</summary>
    Partial,

    /// <summary>Every byte is stored and verified.</summary>
    Complete,

    /// <summary>The stored bytes failed verification on read; not served again until re-imported.</summary>
    Corrupt,
}

/// <summary>How a blob is to be interpreted when pinned: raw bytes or a sequence of 32-byte child hashes.</summary>
public enum BlobFormat
{
    /// <summary>Plain bytes; pinning pins only the blob.</summary>
    Raw,

    /// <summary>A hash sequence (collection); pinning pins the blob and its children.</summary>
    HashSeq,
}

/// <summary>The state of one blob: absent, partial (with the verified ranges and the size as known), complete or corrupt.</summary>
/// <param name="Hash">The blob's BLAKE3 hash.</param>
/// <param name="State">What is stored.</param>
/// <param name="Size">The size in bytes: exact when complete or <paramref name="SizeProved"/>, else as claimed by the sender; 0 when absent.</param>
/// <param name="SizeProved">True when the last chunk verified, so <paramref name="Size"/> is exact.</param>
/// <param name="Ranges">The verified chunk ranges present (all chunks when complete, none when absent).</param>
public sealed record BlobStatus(Hash Hash, BlobState State, ulong Size, bool SizeProved, ChunkRanges Ranges)
{
    /// <summary>The status of a hash the store does not hold.</summary>
    public static BlobStatus Absent(Hash hash) => new(hash, BlobState.Absent, 0, false, ChunkRanges.Empty);

    /// <inheritdoc />
    public override string ToString() => $"{Hash.ToHex()} {State} size {Size}{(SizeProved ? "" : " (unproved)")} ranges [{Ranges}]";
}

/// <summary>A named tag: a name that pins a blob (or a collection and its children) against garbage collection.</summary>
/// <param name="Name">The tag's name.</param>
/// <param name="Hash">The pinned blob.</param>
/// <param name="Format">Raw blob or hash sequence.</param>
public sealed record TagInfo(string Name, Hash Hash, BlobFormat Format);

/// <summary>How a file is imported.</summary>
public enum ImportMode
{
    /// <summary>Copy the file into the store.</summary>
    Copy,

    /// <summary>Reference the file where it is (no copy), recording its size and modification time to detect edits.</summary>
    InPlace,
}

/// <summary>How a complete blob is exported to a path.</summary>
public enum ExportMode
{
    /// <summary>Write a verified copy.</summary>
    Copy,

    /// <summary>Hard-link the store's own data file after verifying it; falls back to a copy (inline data, external data, another device).</summary>
    TryHardLink,
}

/// <summary>The outcome of a garbage collection.</summary>
/// <param name="Deleted">The blobs deleted.</param>
/// <param name="Live">How many blobs were kept.</param>
public sealed record GcResult(IReadOnlyList<Hash> Deleted, int Live);
