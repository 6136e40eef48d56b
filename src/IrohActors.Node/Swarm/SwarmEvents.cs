using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Swarm;

/// <summary>Something that happened in a swarm download (published on the actor system's event stream).</summary>
/// <param name="Download">The blob or collection root being downloaded.</param>
public abstract record SwarmEvent(Hash Download);

/// <summary>A provider answered and said what it holds of the first blob asked of it.</summary>
/// <param name="Download">The download.</param>
/// <param name="Peer">The provider.</param>
/// <param name="ClaimedSize">The size it claims (unproved).</param>
/// <param name="Has">The chunk ranges it claims to hold.</param>
public sealed record SwarmPeerJoined(Hash Download, NodeId Peer, ulong ClaimedSize, ChunkRanges Has) : SwarmEvent(Download);

/// <summary>A provider sent data that failed verification (or lied about a size): it gets nothing more of this download.</summary>
/// <param name="Download">The download.</param>
/// <param name="Peer">The banned provider.</param>
/// <param name="Blob">The blob whose data failed.</param>
/// <param name="Chunk">The first chunk of the item that failed, when known.</param>
/// <param name="Reason">What failed.</param>
public sealed record SwarmPeerBanned(Hash Download, NodeId Peer, Hash Blob, ulong? Chunk, string Reason) : SwarmEvent(Download);

/// <summary>A provider could not be reached, disconnected, refused or stalled; its ranges went to others.</summary>
/// <param name="Download">The download.</param>
/// <param name="Peer">The provider.</param>
/// <param name="Reason">Why.</param>
public sealed record SwarmPeerDropped(Hash Download, NodeId Peer, string Reason) : SwarmEvent(Download);

/// <summary>A dropped provider was connected again within the same download and gets work again.</summary>
/// <param name="Download">The download.</param>
/// <param name="Peer">The provider.</param>
/// <param name="Attempt">Which attempt succeeded (1 = the first after the drop).</param>
public sealed record SwarmPeerReconnected(Hash Download, NodeId Peer, int Attempt) : SwarmEvent(Download);

/// <summary>A request finished: a provider delivered a span of a blob (chunk ranges) or a run of children (child indices).</summary>
/// <param name="Download">The download.</param>
/// <param name="Peer">The provider.</param>
/// <param name="Blob">The blob, or the collection root for a run of children.</param>
/// <param name="Range">What the request covered.</param>
/// <param name="Bytes">Response bytes received.</param>
/// <param name="Duplicate">True for an endgame duplicate of another peer's request.</param>
public sealed record SwarmRangeServed(Hash Download, NodeId Peer, Hash Blob, ChunkRanges Range, long Bytes, bool Duplicate) : SwarmEvent(Download);

/// <summary>The state of a download, sampled periodically.</summary>
/// <param name="Download">The download.</param>
/// <param name="BytesReceived">Response bytes received from all peers.</param>
/// <param name="BytesWritten">Verified data bytes written to the store (each byte once).</param>
/// <param name="BytesNeeded">Data bytes missing when the download started, once known (raw blobs: after the size proof).</param>
/// <param name="Peers">Each provider's figures.</param>
public sealed record SwarmProgress(Hash Download, long BytesReceived, long BytesWritten, long? BytesNeeded, IReadOnlyList<SwarmPeerProgress> Peers) : SwarmEvent(Download);

/// <summary>One provider's figures in a download.</summary>
/// <param name="Peer">The provider.</param>
/// <param name="BytesReceived">Response bytes received from it.</param>
/// <param name="BytesPerSecond">Its recent rate (0 before it is measured).</param>
/// <param name="RangesServed">Requests it completed.</param>
/// <param name="Banned">True when it was banned for bad data.</param>
/// <param name="Gone">Why it was dropped (unreachable, disconnected, stalled), or null.</param>
public sealed record SwarmPeerProgress(NodeId Peer, long BytesReceived, double BytesPerSecond, int RangesServed, bool Banned, string? Gone);

/// <summary>The download ended (successfully when <paramref name="Error"/> is null).</summary>
/// <param name="Download">The download.</param>
/// <param name="Error">The one-line reason of a failure.</param>
public sealed record SwarmFinished(Hash Download, string? Error) : SwarmEvent(Download);

/// <summary>What a swarm download did.</summary>
/// <param name="Hash">The blob or collection root.</param>
/// <param name="IsCollection">True for a collection.</param>
/// <param name="BytesWritten">Verified data bytes written (what was needed).</param>
/// <param name="BytesReceived">Response bytes received from all peers (headers, parents and duplicates included).</param>
/// <param name="DuplicateBytes">Leaf bytes received twice (endgame) and dropped.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="Peers">Each provider's figures.</param>
public sealed record SwarmResult(Hash Hash, bool IsCollection, long BytesWritten, long BytesReceived, long DuplicateBytes, TimeSpan Elapsed, IReadOnlyList<SwarmPeerProgress> Peers)
{
    /// <summary>Bytes received per byte written (1.0 = no overhead).</summary>
    public double Overhead => BytesWritten == 0 ? 0 : (double)BytesReceived / BytesWritten;
}
