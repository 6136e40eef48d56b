namespace IrohActors.Bao;

/// <summary>
/// The pre-order walk over the part of a tree a query touches (bao-tree's <c>ResponseIter</c>): parents,
/// then the left subtree, then the right one; a subtree below the group level that the query covers
/// entirely is one leaf. Allocates its stack once; each step is allocation-free.
/// </summary>
public sealed class ResponseWalk
{
    private readonly ChunkRanges _ranges;
    private readonly int _minFullLevel;
    private readonly Frame[] _stack;
    private int _depth;

    /// <summary>Walks <paramref name="tree"/> for <paramref name="ranges"/>, which are truncated against the size first.</summary>
    public ResponseWalk(BaoTree tree, ChunkRanges ranges)
    {
        Tree = tree;
        _ranges = ranges.Truncate(tree.Size);
        _minFullLevel = tree.BlockSize.ChunkLog;
        // Each parent pops one frame and pushes two, so at most one frame per level waits: sized to the tree's height
        // (a provider opens a walk per blob it serves; 132 frames were 4 KiB to zero for a one-chunk blob).
        _stack = new Frame[Height(tree) + 2];
        if (!_ranges.IsEmpty)
            _stack[_depth++] = new Frame(0, tree.Size, true, ulong.MaxValue);
    }

    /// <summary>The tree walked.</summary>
    public BaoTree Tree { get; }

    /// <summary>The canonical (truncated) ranges walked.</summary>
    public ChunkRanges Ranges => _ranges;

    /// <summary>Moves to the next item; false when the walk is over.</summary>
    public bool TryNext(out BaoChunk item)
    {
        while (_depth > 0)
        {
            var f = _stack[--_depth];
            if (!_ranges.Intersects(f.Start, f.End))
                continue;
            if (f.Size <= ChunkNum.ChunkLen)
            {
                item = BaoChunk.LeafOf(new ChunkNum(f.Start), (int)f.Size, f.IsRoot);
                return true;
            }
            var chunks = System.Numerics.BitOperations.RoundUpToPowerOf2(ChunkNum.Chunks(f.Size).Value);
            var level = System.Numerics.BitOperations.Log2(chunks) - 1;
            if (level < _minFullLevel && _ranges.Covers(f.Start, f.End))
            {
                item = BaoChunk.LeafOf(new ChunkNum(f.Start), (int)f.Size, f.IsRoot);
                return true;
            }
            var mid = f.Start + (chunks >> 1);
            var midBytes = (chunks >> 1) << 10;
            var left = _ranges.Intersects(f.Start, mid);
            var right = _ranges.Intersects(mid, f.End);
            _stack[_depth++] = new Frame(mid, f.Size - midBytes, false, f.End);
            _stack[_depth++] = new Frame(f.Start, midBytes, false, mid);
            item = BaoChunk.ParentOf(new TreeNode(f.Start | ((1UL << level) - 1)), f.IsRoot, left, right);
            return true;
        }
        item = default;
        return false;
    }

    /// <summary>All items of the walk (for tests and tools; the hot paths call <see cref="TryNext"/>).</summary>
    public static List<BaoChunk> Collect(BaoTree tree, ChunkRanges ranges)
    {
        var walk = new ResponseWalk(tree, ranges);
        var list = new List<BaoChunk>();
        while (walk.TryNext(out var item))
            list.Add(item);
        return list;
    }

    /// <summary>The exact number of bytes the verified stream for <paramref name="ranges"/> takes (no size header).</summary>
    public static ulong EncodedLength(BaoTree tree, ChunkRanges ranges)
    {
        var walk = new ResponseWalk(tree, ranges);
        ulong total = 0;
        while (walk.TryNext(out var item))
            total += item.Kind == BaoChunkKind.Parent ? 64UL : (ulong)item.Size;
        return total;
    }

    /// <summary>The levels of parents above the chunks of <paramref name="tree"/> (0 for a blob of one chunk).</summary>
    internal static int Height(BaoTree tree) =>
        System.Numerics.BitOperations.Log2(System.Numerics.BitOperations.RoundUpToPowerOf2(Math.Max(1, tree.Chunks.Value)));

    private readonly record struct Frame(ulong Start, ulong Size, bool IsRoot, ulong End);
}
