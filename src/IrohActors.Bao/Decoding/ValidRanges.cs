using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// Which chunks of a local data + outboard pair verify against the root (bao-tree's <c>valid_ranges</c>),
/// e.g. to rebuild the bitfield of a partial blob before resuming a download. Proofs exist per group, so
/// the result is whole groups (the last one may be short).
/// </summary>
public static class ValidRanges
{
    /// <summary>The verified chunk ranges of <paramref name="data"/> checked through <paramref name="outboard"/>, limited to <paramref name="ranges"/> (all if omitted).</summary>
    public static ChunkRanges Compute(ReadOnlyMemory<byte> data, IOutboard outboard, ChunkRanges? ranges = null) =>
        Compute(new MemoryDataSource(data), outboard, ranges ?? ChunkRanges.All);

    /// <summary>The verified chunk ranges of an open data file checked through <paramref name="outboard"/>; data past the file's end counts as missing.</summary>
    public static ChunkRanges Compute(Microsoft.Win32.SafeHandles.SafeFileHandle data, IOutboard outboard, ChunkRanges? ranges = null) =>
        Compute(new FileDataSource(data, outboard.Tree.Size, "data file"), outboard, ranges ?? ChunkRanges.All);

    internal static ChunkRanges Compute(DataSource data, IOutboard outboard, ChunkRanges ranges)
    {
        var tree = outboard.Tree;
        var query = ranges.Truncate(tree.Size);
        var found = new List<ulong>();
        var buffer = new byte[(int)tree.BlockSize.Bytes];
        Visit(tree, data, outboard, query, 0, tree.Size, true, ulong.MaxValue, outboard.Root, buffer, found);
        var result = ChunkRanges.Empty;
        for (var i = 0; i < found.Count; i += 2)
            result |= ChunkRanges.Range(found[i], found[i + 1]);
        return result;
    }

    private static void Visit(BaoTree tree, DataSource data, IOutboard outboard, ChunkRanges query,
        ulong start, ulong size, bool isRoot, ulong endChunk, Hash expected, byte[] buffer, List<ulong> found)
    {
        var startChunk = start / 1024;
        if (!query.Intersects(startChunk, endChunk))
            return;
        if (size <= tree.BlockSize.Bytes)
        {
            ReadOnlyMemory<byte> bytes;
            try
            {
                bytes = data.Read(start, (int)size, buffer);
            }
            catch (EndOfStreamException)
            {
                return;
            }
            if (Subtree.HashSubtree(startChunk, bytes.Span, isRoot) == expected)
            {
                var end = ChunkNum.Chunks(start + size).Value;
                if (found.Count > 0 && found[^1] == startChunk)
                    found[^1] = end;
                else
                {
                    found.Add(startChunk);
                    found.Add(Math.Max(end, startChunk + 1));
                }
            }
            return;
        }
        var chunks = System.Numerics.BitOperations.RoundUpToPowerOf2(ChunkNum.Chunks(size).Value);
        var level = System.Numerics.BitOperations.Log2(chunks) - 1;
        var node = new TreeNode(startChunk | ((1UL << level) - 1));
        if (!outboard.TryLoad(node, out var pair) || pair.ParentCv(isRoot) != expected)
            return;
        var leftBytes = (chunks / 2) << 10;
        var mid = startChunk + chunks / 2;
        Visit(tree, data, outboard, query, start, leftBytes, false, mid, pair.Left, buffer, found);
        Visit(tree, data, outboard, query, start + leftBytes, size - leftBytes, false, endChunk, pair.Right, buffer, found);
    }
}
