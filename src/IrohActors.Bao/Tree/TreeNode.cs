using System.Numerics;

namespace IrohActors.Bao;

/// <summary>
/// A node of the BLAKE3 tree, numbered in-order over chunk pairs (bao-tree's <c>TreeNode</c>):
/// the level is the number of trailing one bits, level 0 nodes cover 2 chunks, a level-L node covers
/// 2^(L+1) chunks centred on <see cref="Mid"/>.
/// </summary>
public readonly record struct TreeNode(ulong Value) : IComparable<TreeNode>
{
    /// <summary>Number of trailing one bits: 0 for the lowest parents (two chunks).</summary>
    public int Level => BitOperations.TrailingZeroCount(~Value);

    /// <summary>True for level-0 nodes.</summary>
    public bool IsLeaf => (Value & 1) == 0;

    /// <summary>The first chunk of the right half.</summary>
    public ChunkNum Mid => new(Value + 1);

    /// <summary>The first chunk this node covers.</summary>
    public ChunkNum Start => new(Value + 1 - (1UL << Level));

    /// <summary>The end (exclusive) of the chunks this node covers, not truncated to any size.</summary>
    public ChunkNum End => new(Value + 1 + (1UL << Level));

    /// <summary>The node covering 2^(level+1) chunks from <paramref name="start"/>, which must be aligned to that span.</summary>
    /// <exception cref="ArgumentException">The start is not aligned to the node's span.</exception>
    public static TreeNode FromStartAndLevel(ChunkNum start, int level)
    {
        if (level is < 0 or > 62)
            throw new ArgumentOutOfRangeException(nameof(level), level, "level must be 0…62");
        if ((start.Value & ((2UL << level) - 1)) != 0)
            throw new ArgumentException($"chunk {start} is not the start of a level-{level} node", nameof(start));
        return new TreeNode(start.Value | ((1UL << level) - 1));
    }

    /// <summary>The left child, or null for a level-0 node.</summary>
    public TreeNode? LeftChild => Level == 0 ? null : new TreeNode(Value - (1UL << (Level - 1)));

    /// <summary>The right child, or null for a level-0 node.</summary>
    public TreeNode? RightChild => Level == 0 ? null : new TreeNode(Value + (1UL << (Level - 1)));

    /// <summary>The parent in the unbounded tree (null only at level 63).</summary>
    public TreeNode? Parent
    {
        get
        {
            var level = Level;
            if (level >= 63)
                return null;
            var span = 1UL << level;
            return new TreeNode((Value & (span << 1)) == 0 ? Value + span : Value - span);
        }
    }

    /// <summary>The node of a tree with groups of 2^<paramref name="chunkLog"/> chunks that this chunk-level node is, or null if it lies inside a group.</summary>
    public TreeNode? AddBlockSize(int chunkLog)
    {
        var mask = (1UL << chunkLog) - 1;
        return (Value & mask) == mask ? new TreeNode(Value >> chunkLog) : null;
    }

    /// <summary>The chunk-level node for this node of a tree with groups of 2^<paramref name="chunkLog"/> chunks.</summary>
    public TreeNode SubtractBlockSize(int chunkLog) => new(~(~Value << chunkLog));

    /// <inheritdoc />
    public int CompareTo(TreeNode other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public override string ToString() => $"node {Value} (level {Level}, chunks {Start}..{End})";
}
