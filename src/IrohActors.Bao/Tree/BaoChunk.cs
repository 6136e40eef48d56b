namespace IrohActors.Bao;

/// <summary>The kind of an item of a verified stream.</summary>
public enum BaoChunkKind
{
    /// <summary>A 64-byte hash pair of a parent node.</summary>
    Parent,

    /// <summary>Data bytes: one chunk, a whole chunk group or the tail of the blob.</summary>
    Leaf,
}

/// <summary>
/// One item of the pre-order walk of a verified stream: a parent node (with which children the query
/// needs) or a leaf (its first chunk and byte length). Pure geometry: no hashes, no data.
/// </summary>
public readonly record struct BaoChunk
{
    /// <summary>Parent or leaf.</summary>
    public BaoChunkKind Kind { get; private init; }

    /// <summary>The parent node (chunk-level numbering); for a leaf, the node of its subtree or chunk pair.</summary>
    public TreeNode Node { get; private init; }

    /// <summary>True for the topmost node, whose hash is the root hash.</summary>
    public bool IsRoot { get; private init; }

    /// <summary>For a parent: the query needs the left subtree.</summary>
    public bool Left { get; private init; }

    /// <summary>For a parent: the query needs the right subtree.</summary>
    public bool Right { get; private init; }

    /// <summary>For a leaf: its first chunk.</summary>
    public ChunkNum StartChunk { get; private init; }

    /// <summary>For a leaf: its length in bytes.</summary>
    public int Size { get; private init; }

    /// <summary>For a leaf: its byte offset in the blob.</summary>
    public ulong Offset => StartChunk.ToBytes();

    internal static BaoChunk ParentOf(TreeNode node, bool isRoot, bool left, bool right) =>
        new() { Kind = BaoChunkKind.Parent, Node = node, IsRoot = isRoot, Left = left, Right = right, StartChunk = node.Start };

    internal static BaoChunk LeafOf(ChunkNum start, int size, bool isRoot) =>
        new() { Kind = BaoChunkKind.Leaf, StartChunk = start, Size = size, IsRoot = isRoot, Node = new TreeNode(start.Value) };

    /// <inheritdoc />
    public override string ToString() => Kind == BaoChunkKind.Parent
        ? $"parent {Node.Value} (level {Node.Level}{(IsRoot ? ", root" : "")})"
        : $"leaf at chunk {StartChunk} ({Size} B{(IsRoot ? ", root" : "")})";
}
