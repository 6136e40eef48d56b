namespace IrohActors.Bao;

/// <summary>What went wrong while verifying a stream or local storage.</summary>
public enum BaoFailure
{
    /// <summary>The data ended before an expected parent or leaf (truncated stream or file).</summary>
    Missing,

    /// <summary>A parent pair or leaf did not hash to the value its parent (or the root) expects.</summary>
    Mismatch,
}

/// <summary>
/// A verified-streaming check failed: names the parent node or the leaf's chunk (and its byte offset)
/// and whether the data was missing or wrong. Nothing of the failing item was handed out.
/// </summary>
public sealed class BaoVerificationException : IOException
{
    /// <summary>Creates the exception; <paramref name="where"/> is prefixed to the message (e.g. the peer or file).</summary>
    public BaoVerificationException(BaoFailure failure, BaoChunk item, string? where = null, Exception? inner = null)
        : base(Describe(failure, item, where), inner)
    {
        Failure = failure;
        Item = item;
    }

    /// <summary>A failure outside the tree items, e.g. a truncated size header; <see cref="Item"/> is the root leaf position.</summary>
    internal BaoVerificationException(BaoFailure failure, string message)
        : base(message)
    {
        Failure = failure;
        Item = BaoChunk.LeafOf(default, 0, true);
    }

    /// <summary>Missing (truncated) or mismatch (wrong data).</summary>
    public BaoFailure Failure { get; }

    /// <summary>The parent or leaf that failed.</summary>
    public BaoChunk Item { get; }

    /// <summary>The failing parent node, or null if a leaf failed.</summary>
    public TreeNode? Node => Item.Kind == BaoChunkKind.Parent ? Item.Node : null;

    /// <summary>The first chunk of the failing leaf, or of the failing parent's subtree.</summary>
    public ChunkNum Chunk => Item.StartChunk;

    /// <summary>The byte offset in the blob of <see cref="Chunk"/>.</summary>
    public ulong Offset => Item.StartChunk.ToBytes();

    private static string Describe(BaoFailure failure, BaoChunk item, string? where)
    {
        var what = item.Kind == BaoChunkKind.Parent
            ? $"parent node {item.Node.Value} (level {item.Node.Level}, chunks {item.Node.Start}..{item.Node.End})"
            : $"chunk {item.StartChunk} (bytes {item.Offset}..{item.Offset + (ulong)item.Size})";
        var why = failure == BaoFailure.Missing ? "data missing (stream ended)" : "hash mismatch";
        return $"{(where is null ? "" : where + ": ")}{what}: {why}";
    }
}
