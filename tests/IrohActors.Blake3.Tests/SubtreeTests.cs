using IrohActors.Blake3.Internal;

namespace IrohActors.Blake3.Tests;

/// <summary>The hazmat-style API: roots composed from subtree CVs and parents equal the plain hash.</summary>
public class SubtreeTests
{
    private const int ChunkLen = Subtree.ChunkLen;

    private static byte[] RandomInput(Random random, int length)
    {
        var data = new byte[length];
        random.NextBytes(data);
        return data;
    }

    /// <summary>The CV (or root) of the tree node covering data[start..end) at chunk startChunk, splitting as BLAKE3 does.</summary>
    private static Hash ComposeNode(Implementation kernel, ReadOnlySpan<byte> data, ulong startChunk, bool isRoot, Func<int, bool> split)
    {
        if (data.Length <= ChunkLen || !split(data.Length))
            return Subtree.HashSubtree(kernel, startChunk, data, isRoot);
        int left = (int)TreeCompressor.LeftSubtreeLen(data.Length);
        var l = ComposeNode(kernel, data[..left], startChunk, false, split);
        var r = ComposeNode(kernel, data[left..], startChunk + (ulong)(left / ChunkLen), false, split);
        return Subtree.ParentCv(l, r, isRoot);
    }

    [Fact]
    public void Chunk_groups_of_every_size_compose_to_the_plain_hash_up_to_64_chunks()
    {
        var random = new Random(3);
        foreach (var kernel in Implementations.All)
        {
            for (int chunks = 1; chunks <= 64; chunks++)
            {
                foreach (int length in new[] { chunks * ChunkLen, chunks * ChunkLen - random.Next(1, ChunkLen) })
                {
                    var data = RandomInput(random, length);
                    var expected = Hasher.Hash(Implementation.Scalar, data, 1);
                    for (int groupLog = 0; groupLog <= 6; groupLog++)
                    {
                        int groupBytes = ChunkLen << groupLog;
                        // Hash whole chunk groups as subtrees, then the tree above them.
                        var root = ComposeNode(kernel, data, 0, true, len => len > groupBytes);
                        Assert.True(expected == root, $"{kernel}: {length} bytes in groups of {1 << groupLog} chunks differ");
                    }
                }
            }
        }
    }

    [Fact]
    public void Every_random_decomposition_composes_to_the_plain_hash()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 300; trial++)
        {
            int length = random.Next(0, 64 * ChunkLen + 1);
            var data = RandomInput(random, length);
            var expected = Hasher.Hash(data);
            var root = ComposeNode(Implementations.Best, data, 0, true, _ => random.Next(3) > 0);
            Assert.True(expected == root, $"{length} bytes: random decomposition differs");
        }
    }

    [Fact]
    public void Root_subtree_is_the_plain_hash()
    {
        var data = RandomInput(new Random(9), 5000);
        Assert.Equal(Hasher.Hash(data), Subtree.HashSubtree(0, data, isRoot: true));
        Assert.Equal(Hash.Empty, Subtree.HashSubtree(0, [], isRoot: true));
    }

    [Fact]
    public void Non_root_subtree_at_an_offset_matches_the_same_bytes_inside_a_larger_tree()
    {
        // Chunks 4..7 of a 8-chunk input form the right child of the root: root = parent(cv(0..4), cv(4..8)).
        var data = RandomInput(new Random(10), 8 * ChunkLen);
        var left = Subtree.HashSubtree(0, data.AsSpan(0, 4 * ChunkLen), false);
        var right = Subtree.HashSubtree(4, data.AsSpan(4 * ChunkLen), false);
        Assert.Equal(Hasher.Hash(data), Subtree.ParentCv(left, right, isRoot: true));
        Assert.NotEqual(right, Subtree.HashSubtree(0, data.AsSpan(4 * ChunkLen), false));
    }

    [Fact]
    public void Invalid_subtrees_are_rejected_with_the_reason()
    {
        var data = new byte[3 * ChunkLen];
        var e = Assert.Throws<ArgumentException>(() => Subtree.HashSubtree(2, data, false));
        Assert.Contains("chunk 2", e.Message);
        Assert.Throws<ArgumentException>(() => Subtree.HashSubtree(1, data.AsSpan(0, ChunkLen + 1), false));
        Assert.Throws<ArgumentException>(() => Subtree.HashSubtree(4, [], false));
        Assert.Throws<ArgumentException>(() => Subtree.HashSubtree(16, data, true));
        // valid: 2 chunks at chunk 2, 4 chunks at chunk 4, one partial chunk anywhere
        Subtree.HashSubtree(2, data.AsSpan(0, 2 * ChunkLen), false);
        Subtree.HashSubtree(4, new byte[4 * ChunkLen], false);
        Subtree.HashSubtree(7, data.AsSpan(0, 10), false);
    }
}
