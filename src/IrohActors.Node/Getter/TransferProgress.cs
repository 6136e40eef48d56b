using IrohActors.Blake3;

namespace IrohActors.Node.Getter;

/// <summary>Progress of a download, reported as data arrives.</summary>
/// <param name="Hash">The blob being received.</param>
/// <param name="BytesReceived">Response bytes received so far in this request (headers, parents and data).</param>
/// <param name="BlobsDone">Blobs finished in this request.</param>
/// <param name="BlobsTotal">Blobs requested, once known (after a collection's root arrived), else null.</param>
/// <param name="CurrentBlobSize">The size of the blob being received, as claimed by the provider.</param>
public readonly record struct TransferProgress(Hash Hash, long BytesReceived, long BlobsDone, long? BlobsTotal, ulong CurrentBlobSize);

/// <summary>What a download did.</summary>
/// <param name="Hash">The blob or collection root.</param>
/// <param name="IsCollection">True for a collection download.</param>
/// <param name="Requested">The ranges requested (empty when everything was already present and no request was made).</param>
/// <param name="BytesReceived">Response bytes received.</param>
/// <param name="BlobsReceived">Blobs for which data arrived.</param>
/// <param name="Elapsed">Wall time of the request.</param>
public sealed record GetResult(Hash Hash, bool IsCollection, Protocol.ChunkRangesSeq Requested, long BytesReceived, long BlobsReceived, TimeSpan Elapsed);
