using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Node.Protocol;

/// <summary>The request types of protocol v1 (the byte after the version; iroh-blobs' numbering).</summary>
public enum RequestType : byte
{
    /// <summary>A blob, or a collection and its children, by ranges.</summary>
    Get = 0x00,

    /// <summary>Which chunk ranges the provider holds of a blob.</summary>
    Observe = 0x01,

    /// <summary>Several unrelated blobs in one response.</summary>
    GetMany = 0x09,
}

/// <summary>A request of protocol v1, sent as the request header of one multiplexed stream.</summary>
public abstract record BlobRequest
{
    /// <summary>The request type.</summary>
    public abstract RequestType Type { get; }
}

/// <summary>
/// Get: the blob <paramref name="Hash"/> (offset 0 of <paramref name="Ranges"/>) and, when the sequence names any
/// offset ≥ 1, the children of that blob read as a collection (offset i + 1 = the i-th link in name order).
/// </summary>
/// <param name="Hash">The root blob.</param>
/// <param name="Ranges">What is wanted of the root and of each child.</param>
public sealed record GetRequest(Hash Hash, ChunkRangesSeq Ranges) : BlobRequest
{
    /// <inheritdoc />
    public override RequestType Type => RequestType.Get;

    /// <summary>The whole blob (iroh's <c>GetRequest::blob</c>).</summary>
    public static GetRequest Blob(Hash hash) => new(hash, ChunkRangesSeq.Single(ChunkRanges.All));

    /// <summary>The collection and every child completely (iroh's <c>GetRequest::all</c>).</summary>
    public static GetRequest All(Hash hash) => new(hash, ChunkRangesSeq.All);
}

/// <summary>GetMany: offset i of <paramref name="Ranges"/> applies to <paramref name="Hashes"/>[i]; answered in order.</summary>
/// <param name="Hashes">The blobs.</param>
/// <param name="Ranges">What is wanted of each.</param>
public sealed record GetManyRequest(IReadOnlyList<Hash> Hashes, ChunkRangesSeq Ranges) : BlobRequest
{
    /// <inheritdoc />
    public override RequestType Type => RequestType.GetMany;
}

/// <summary>Observe: the chunk ranges (within <paramref name="Ranges"/>) the provider has of <paramref name="Hash"/>.</summary>
/// <param name="Hash">The blob.</param>
/// <param name="Ranges">The ranges of interest (<see cref="ChunkRanges.All"/> for everything).</param>
/// <param name="Follow">False: one snapshot. True: the snapshot, then one item per change until the requester stops the stream.</param>
public sealed record ObserveRequest(Hash Hash, ChunkRanges Ranges, bool Follow) : BlobRequest
{
    /// <inheritdoc />
    public override RequestType Type => RequestType.Observe;
}
