namespace IrohActors.Bao;

/// <summary>
/// The shape of the BLAKE3 tree of a blob: its size and chunk-group size. Pure geometry, no data, no I/O
/// (bao-tree's <c>BaoTree</c>). Only parents at or above the group level are stored in outboards; a group
/// whose right half lies past the end (the half leaf) has no pair of its own.
/// </summary>
public readonly record struct BaoTree(ulong Size, BlockSize BlockSize)
{
    /// <summary>Number of chunks, rounded up (0 for the empty blob).</summary>
    public ChunkNum Chunks => ChunkNum.Chunks(Size);

    /// <summary>Number of chunk groups, at least 1 (the empty blob is one empty group).</summary>
    public ulong Blocks
    {
        get
        {
            var bits = BlockSize.ChunkLog + 10;
            var blocks = (Size >> bits) + ((Size & ((1UL << bits) - 1)) != 0 ? 1UL : 0UL);
            return Math.Max(1, blocks);
        }
    }

    /// <summary>Number of 64-byte hash pairs in an outboard: one per parent at or above group level.</summary>
    public ulong OutboardHashPairs => Blocks - 1;

    /// <summary>Outboard size in bytes, without any size prefix or suffix.</summary>
    public ulong OutboardSize => OutboardHashPairs * 64;

    /// <summary>The root node at chunk level.</summary>
    public TreeNode Root => RootFor(Chunks.Value);

    /// <summary>The root of the shifted tree, whose leaves are chunk groups.</summary>
    public TreeNode ShiftedRoot => RootFor(Blocks);

    /// <summary>True if the whole blob is one chunk group, so the root hash is the hash of the data.</summary>
    public bool IsSingleGroup => Size <= BlockSize.Bytes;

    /// <summary>True if <paramref name="node"/> is a real parent: its right half holds data.</summary>
    public bool IsParent(TreeNode node) => node.Mid.ToBytes() < Size && node.Level < 63;

    /// <summary>True if <paramref name="node"/> is a parent whose pair an outboard stores.</summary>
    public bool IsStored(TreeNode node) => node.Level >= BlockSize.ChunkLog && IsParent(node);

    /// <summary>True for the group-level node whose right half lies past the end: it has no hash pair.</summary>
    public bool IsHalfLeaf(TreeNode node) => node.Level == BlockSize.ChunkLog && node.Mid.ToBytes() >= Size;

    /// <summary>The byte range of <paramref name="node"/>, truncated to the size.</summary>
    public (ulong Start, ulong End) ByteRange(TreeNode node)
    {
        var start = Math.Min(node.Start.ToBytes(), Size);
        var end = node.Level >= 53 ? Size : Math.Min(node.End.ToBytes(), Size);
        return (start, end);
    }

    /// <summary>The byte range of chunk group <paramref name="group"/>, truncated to the size.</summary>
    public (ulong Start, ulong End) GroupByteRange(ulong group)
    {
        var start = Math.Min(group * BlockSize.Bytes, Size);
        return (start, Math.Min(start + BlockSize.Bytes, Size));
    }

    /// <summary>Index of the stored pair of <paramref name="node"/> in a pre-order outboard, or null if the node is not stored.</summary>
    public ulong? PreOrderOffset(TreeNode node)
    {
        if (!IsStored(node))
            return null;
        var k = BlockSize.ChunkLog;
        ulong count = 0;
        var cur = Root;
        while (cur != node)
        {
            var level = cur.Level;
            if (level <= node.Level)
                return null;
            var goRight = node.Start >= cur.Mid;
            if (IsParent(cur))
                count += goRight ? 1UL << (level - k) : 1UL;
            cur = Child(cur, goRight);
        }
        return count;
    }

    /// <summary>Index of the stored pair of <paramref name="node"/> in a post-order outboard, or null if the node is not stored.</summary>
    public ulong? PostOrderOffset(TreeNode node)
    {
        if (!IsStored(node))
            return null;
        var k = BlockSize.ChunkLog;
        ulong count = 0;
        var cur = Root;
        while (cur != node)
        {
            var level = cur.Level;
            if (level <= node.Level)
                return null;
            var goRight = node.Start >= cur.Mid;
            if (goRight && IsParent(cur))
                count += (1UL << (level - k)) - 1;
            cur = Child(cur, goRight);
        }
        var (start, end) = ByteRange(node);
        var groups = (end - start + BlockSize.Bytes - 1) / BlockSize.Bytes;
        return count + groups - 2;
    }

    /// <summary>True if the stored pair of <paramref name="node"/> can never change when data is appended.</summary>
    public bool IsStable(TreeNode node) => node.Level < 53 && node.End.ToBytes() <= Size;

    /// <summary>
    /// The number of stored pairs that precede chunk group <paramref name="group"/> in a full pre-order
    /// encoding (its ancestors and everything left of it): where the group sits in a combined encoding.
    /// </summary>
    internal ulong PairsBeforeGroup(ulong group)
    {
        var k = BlockSize.ChunkLog;
        var chunk = group << k;
        ulong count = 0;
        var cur = Root;
        while (cur.Level >= k)
        {
            var level = cur.Level;
            var real = IsParent(cur);
            var goRight = real && chunk >= cur.Mid.Value;
            if (real)
                count += goRight ? 1UL << (level - k) : 1UL;
            if (level == k || level == 0)
                return count;
            cur = Child(cur, goRight);
        }
        return count;
    }

    private static TreeNode Child(TreeNode node, bool right)
    {
        var half = 1UL << (node.Level - 1);
        return new TreeNode(right ? node.Value + half : node.Value - half);
    }

    private static TreeNode RootFor(ulong leaves) =>
        new(System.Numerics.BitOperations.RoundUpToPowerOf2(Math.Max(1, (leaves + 1) / 2)) - 1);

    /// <inheritdoc />
    public override string ToString() => $"tree of {Size} B, {BlockSize}";
}
