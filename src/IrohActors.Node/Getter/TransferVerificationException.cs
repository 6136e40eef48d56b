using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Getter;

/// <summary>
/// Data from a provider failed verification: names the peer, the blob and the chunk (or parent node) that did
/// not verify. Nothing of the failing item (or after it) was stored.
/// </summary>
public sealed class TransferVerificationException : IOException
{
    /// <summary>Creates the exception from the decoder's failure.</summary>
    public TransferVerificationException(NodeId peer, Hash hash, BaoVerificationException inner)
        : base($"verification of blob {hash.ToHex()} from peer {peer} failed at chunk {inner.Chunk} (byte offset {inner.Offset}): {inner.Message}", inner)
    {
        Peer = peer;
        Hash = hash;
        Chunk = inner.Chunk.Value;
        Failure = inner.Failure;
    }

    /// <summary>The provider that sent the data.</summary>
    public NodeId Peer { get; }

    /// <summary>The blob.</summary>
    public Hash Hash { get; }

    /// <summary>The first chunk of the item that failed.</summary>
    public ulong Chunk { get; }

    /// <summary>Missing (the stream ended) or mismatch (wrong bytes).</summary>
    public BaoFailure Failure { get; }
}
