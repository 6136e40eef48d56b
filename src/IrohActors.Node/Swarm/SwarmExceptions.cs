using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Swarm;

/// <summary>
/// A swarm download could not finish because no remaining provider had some ranges; names the blob and the missing
/// chunk ranges. Everything verified so far is kept in the store, so running the download again resumes.
/// </summary>
public sealed class SwarmIncompleteException : IOException
{
    /// <summary>Creates the exception.</summary>
    public SwarmIncompleteException(Hash hash, ChunkRanges missing, string unit, string peers)
        : base($"blob {hash.ToHex()}: no provider could supply {unit} [{missing}] ({peers}); everything verified so far is kept, run again to resume")
    {
        Hash = hash;
        Missing = missing;
    }

    /// <summary>The blob (or, for missing children, the collection root).</summary>
    public Hash Hash { get; }

    /// <summary>What is missing: chunk ranges of the blob, or child indices of the collection.</summary>
    public ChunkRanges Missing { get; }
}

/// <summary>A request made no verified progress within the stall timeout.</summary>
internal sealed class RequestStalledException(NodeId peer, Hash hash, string detail)
    : IOException($"peer {peer}, blob {hash.ToHex()}: {detail}")
{
    public NodeId Peer { get; } = peer;
}
