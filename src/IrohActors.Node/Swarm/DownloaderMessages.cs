using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Swarm;

/// <summary>What a <see cref="DownloaderActor"/> downloads and from whom.</summary>
/// <param name="Hash">The blob or collection root.</param>
/// <param name="Format">Raw blob, or collection (children fetched too).</param>
/// <param name="Providers">The candidate providers.</param>
/// <param name="Placement">For a collection: where its children's files are written straight away, or null (the store keeps them).</param>
internal sealed record SwarmRequest(Hash Hash, BlobFormat Format, IReadOnlyList<NodeAddr> Providers, Getter.DirectoryPlacement? Placement = null);

/// <summary>Stops the download (the result faults with <see cref="OperationCanceledException"/>).</summary>
internal sealed record CancelSwarm
{
    public static CancelSwarm Instance { get; } = new();
}

/// <summary>A provider's connection and what it claims to hold of <paramref name="Hash"/>.</summary>
internal sealed record PeerObserved(int Peer, Hash Hash, NodeConnection Connection, ulong Size, ChunkRanges Has);

/// <summary>A provider could not be reached or observed.</summary>
internal sealed record PeerObserveFailed(int Peer, Hash Hash, Exception Error);

/// <summary>The store's status of the blob of the current phase.</summary>
internal sealed record BlobStatusRead(Hash Hash, BlobStatus Status);

/// <summary>A provider proved the size of the current blob (its last chunk is stored).</summary>
internal sealed record SizeProved(int Peer, Hash Hash, BaoTree Tree);

/// <summary>The size proof from a provider failed.</summary>
internal sealed record SizeProofFailed(int Peer, Hash Hash, Exception Error);

/// <summary>The current blob's write stage is open and its missing ranges known.</summary>
internal sealed record BlobJobReady(Hash Hash, ChunkRanges Missing, BlobWriteStage Stage);

/// <summary>The children of the collection, what each misses (index, hash, missing), and where placed children's files go (by index).</summary>
internal sealed record ChildrenListed(IReadOnlyList<(ulong Index, Hash Hash, ChunkRanges Missing)> Children, IReadOnlyDictionary<ulong, string> PlaceAt);

/// <summary>The children still incomplete after the children job (each becomes a blob job).</summary>
internal sealed record LargeChildrenFound(IReadOnlyList<Hash> Children);

/// <summary>A fetch worker's request ended (successfully when <paramref name="Error"/> is null).</summary>
internal sealed record FetchFinished(long Request, Exception? Error);

/// <summary>A job's write stage closed (faulted when <paramref name="Error"/> is set).</summary>
internal sealed record JobClosed(long Job, Exception? Error);

/// <summary>An asynchronous step of the download failed (the store, the collection, …): the download fails.</summary>
internal sealed record StepFailed(Exception Error);

/// <summary>Time to try reconnecting a dropped provider.</summary>
internal sealed record ReconnectPeer(int Peer);

/// <summary>A dropped provider is connected again and said what it holds of <paramref name="Hash"/>.</summary>
internal sealed record PeerReconnected(int Peer, Hash Hash, NodeConnection Connection, ulong Size, ChunkRanges Has);

/// <summary>A reconnect attempt failed.</summary>
internal sealed record PeerReconnectFailed(int Peer, Exception Error);

/// <summary>Sample rates, look for stalls, report progress.</summary>
internal sealed record SwarmTick
{
    public static SwarmTick Instance { get; } = new();
}
