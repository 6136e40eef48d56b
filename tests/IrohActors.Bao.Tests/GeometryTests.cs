namespace IrohActors.Bao.Tests;

public class GeometryTests
{
    [Theory]
    [InlineData(0UL, 0UL, 2UL)]
    [InlineData(1UL, 0UL, 4UL)]
    [InlineData(3UL, 0UL, 8UL)]
    [InlineData(2UL, 2UL, 4UL)]
    [InlineData(5UL, 4UL, 8UL)]
    public void Node_chunk_ranges_follow_bao_tree_docs(ulong node, ulong start, ulong end)
    {
        var n = new TreeNode(node);
        Assert.Equal(start, n.Start.Value);
        Assert.Equal(end, n.End.Value);
    }

    [Fact]
    public void Levels_children_parents_and_shifting_are_consistent()
    {
        for (ulong v = 0; v < 4096; v++)
        {
            var n = new TreeNode(v);
            Assert.Equal(n.Level, System.Numerics.BitOperations.TrailingZeroCount(~v));
            Assert.Equal(n.Start.Value + (1UL << n.Level), n.Mid.Value);
            if (n.Level > 0)
            {
                var l = n.LeftChild!.Value;
                var r = n.RightChild!.Value;
                Assert.Equal(n, l.Parent);
                Assert.Equal(n, r.Parent);
                Assert.Equal(n.Start, l.Start);
                Assert.Equal(n.Mid, r.Start);
                Assert.Equal(n.End, r.End);
            }
            Assert.Equal(n, TreeNode.FromStartAndLevel(n.Start, n.Level));
            for (var k = 0; k <= 4; k++)
                Assert.Equal(n, n.SubtractBlockSize(k).AddBlockSize(k));
        }
        Assert.Null(new TreeNode(0).LeftChild);
        Assert.Null(new TreeNode(2).AddBlockSize(1));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(5UL)]
    [InlineData(7UL)]
    [InlineData(8UL)]
    [InlineData(11UL)]
    [InlineData(13UL)]
    [InlineData(100UL)]
    public void Root_spans_the_chunks_like_blake3(ulong chunks)
    {
        var tree = new BaoTree(chunks * 1024, BlockSize.Zero);
        var root = tree.Root;
        if (chunks <= 2)
            Assert.Equal(0UL, root.Value);
        else
        {
            // BLAKE3 puts the largest power of two that leaves something on the right into the left subtree.
            var left = 1UL;
            while (left * 2 < chunks)
                left *= 2;
            Assert.Equal(left, root.Mid.Value);
        }
        Assert.True(root.End.Value >= chunks);
    }

    [Fact]
    public void The_default_chunk_log_is_4()
    {
        Assert.Equal(4, BlockSize.Default.ChunkLog);
        Assert.Equal(16384UL, BlockSize.Default.Bytes);
        Assert.Equal(BlockSize.Default, PreOrderOutboard.Create(new byte[100]).Tree.BlockSize);
        Assert.Equal(BlockSize.FromChunkLog(4), BlockSize.FromBytes(16384));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockSize.FromChunkLog(17));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockSize.FromBytes(3000));
    }

    [Fact]
    public void Three_chunks_have_root_node_1()
    {
        Assert.Equal(new TreeNode(1), new BaoTree(3 * 1024, BlockSize.Zero).Root);
    }

    [Theory]
    [InlineData(0UL, 0)]
    [InlineData(1UL, 0)]
    [InlineData(1024UL, 0)]
    [InlineData(1025UL, 0)]
    [InlineData(16384UL, 4)]
    [InlineData(16385UL, 4)]
    [InlineData(40000UL, 4)]
    [InlineData(1UL << 30, 4)]
    [InlineData((1UL << 30) + 1, 8)]
    public void Outboard_size_matches_the_formula(ulong size, int k)
    {
        var tree = new BaoTree(size, BlockSize.FromChunkLog(k));
        var group = 1024UL << k;
        var blocks = Math.Max(1, (size + group - 1) / group);
        Assert.Equal(blocks, tree.Blocks);
        Assert.Equal((blocks - 1) * 64, tree.OutboardSize);
    }

    [Fact]
    public void Pre_and_post_order_offsets_match_a_recursive_enumeration()
    {
        var rng = new Random(4);
        for (var iter = 0; iter < 400; iter++)
        {
            var k = rng.Next(0, 5);
            var size = (ulong)(iter < 100 ? iter * 517 : rng.Next(0, 3_000_000));
            var tree = new BaoTree(size, BlockSize.FromChunkLog(k));
            var pre = new List<TreeNode>();
            var post = new List<TreeNode>();
            Enumerate(tree, 0, size, pre, post);
            Assert.Equal(tree.OutboardHashPairs, (ulong)pre.Count);
            for (var i = 0; i < pre.Count; i++)
            {
                Assert.Equal((ulong)i, tree.PreOrderOffset(pre[i]));
                Assert.True(tree.IsStored(pre[i]));
            }
            for (var i = 0; i < post.Count; i++)
                Assert.Equal((ulong)i, tree.PostOrderOffset(post[i]));
        }
    }

    [Fact]
    public void Nodes_inside_groups_and_the_half_leaf_have_no_offset()
    {
        var tree = new BaoTree(40_000, BlockSize.FromChunkLog(4));
        Assert.Null(tree.PreOrderOffset(new TreeNode(7)));   // level 3, inside group 0
        Assert.True(tree.IsHalfLeaf(new TreeNode(47)));       // group 2 (chunks 32..40) has no right half
        Assert.Null(tree.PreOrderOffset(new TreeNode(47)));
        Assert.Equal(0UL, tree.PreOrderOffset(new TreeNode(31)));
        Assert.Equal(1UL, tree.PreOrderOffset(new TreeNode(15)));
        Assert.Equal(0UL, tree.PostOrderOffset(new TreeNode(15)));
        Assert.Equal(1UL, tree.PostOrderOffset(new TreeNode(31)));
    }

    [Fact]
    public void Worked_example_chunk_20_of_40000_bytes_at_16KiB()
    {
        // iroh_blobs.md §1.6: pairs for nodes 31, 15, 23, 19, 21, 20, then the 1024 bytes of chunk 20.
        var items = ResponseWalk.Collect(new BaoTree(40_000, BlockSize.FromChunkLog(4)), ChunkRanges.Chunk(20));
        var parents = items.Where(i => i.Kind == BaoChunkKind.Parent).Select(i => i.Node.Value).ToArray();
        Assert.Equal([31UL, 15, 23, 19, 21, 20], parents);
        var leaf = Assert.Single(items, i => i.Kind == BaoChunkKind.Leaf);
        Assert.Equal(20UL, leaf.StartChunk.Value);
        Assert.Equal(1024, leaf.Size);
        Assert.Equal(BaoChunkKind.Leaf, items[^1].Kind);
    }

    [Fact]
    public void Worked_example_full_request_of_40000_bytes_at_16KiB()
    {
        var items = ResponseWalk.Collect(new BaoTree(40_000, BlockSize.FromChunkLog(4)), ChunkRanges.All);
        Assert.Equal(["parent 31 (level 5, root)", "parent 15 (level 4)", "leaf at chunk 0 (16384 B)", "leaf at chunk 16 (16384 B)", "leaf at chunk 32 (7232 B)"],
            items.Select(i => i.ToString()));
        Assert.Equal(40_000UL + 128, ResponseWalk.EncodedLength(new BaoTree(40_000, BlockSize.FromChunkLog(4)), ChunkRanges.All));
    }

    [Fact]
    public void Empty_blob_is_one_empty_root_leaf()
    {
        var items = ResponseWalk.Collect(new BaoTree(0, BlockSize.Default), ChunkRanges.All);
        var leaf = Assert.Single(items);
        Assert.True(leaf.IsRoot);
        Assert.Equal(0, leaf.Size);
        Assert.Equal(1UL, new BaoTree(0, BlockSize.Default).Blocks);
    }

    [Fact]
    public void Full_encoding_at_chunk_log_zero_has_the_bao_size()
    {
        foreach (var n in new ulong[] { 0, 1, 1023, 1024, 1025, 2049, 11264, 13312, 100_000 })
        {
            var chunks = Math.Max(1, (n + 1023) / 1024);
            Assert.Equal(n + 64 * (chunks - 1), ResponseWalk.EncodedLength(new BaoTree(n, BlockSize.Zero), ChunkRanges.All));
        }
    }

    // Stored parents (level ≥ k with data in their right half) in pre- and post-order, found by recursion over byte ranges.
    private static void Enumerate(BaoTree tree, ulong start, ulong size, List<TreeNode> pre, List<TreeNode> post)
    {
        var group = tree.BlockSize.Bytes;
        if (size <= group)
            return;
        var chunks = System.Numerics.BitOperations.RoundUpToPowerOf2((size + 1023) / 1024);
        var level = System.Numerics.BitOperations.Log2(chunks) - 1;
        var leftBytes = chunks / 2 * 1024;
        var node = TreeNode.FromStartAndLevel(new ChunkNum(start / 1024), level);
        pre.Add(node);
        Enumerate(tree, start, leftBytes, pre, post);
        Enumerate(tree, start + leftBytes, size - leftBytes, pre, post);
        post.Add(node);
    }
}
