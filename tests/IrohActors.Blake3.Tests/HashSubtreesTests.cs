using IrohActors.Blake3.Internal;

namespace IrohActors.Blake3.Tests;

/// <summary><see cref="Subtree.HashSubtrees(ulong, ReadOnlySpan{byte}, int, Span{Hash})"/>: many equal groups at once.</summary>
public class HashSubtreesTests
{
    private const int ChunkLen = Subtree.ChunkLen;

    [Fact]
    public void Many_groups_equal_one_group_at_a_time_for_every_kernel_and_chunk_log_0_to_8()
    {
        var random = new Random(11);
        foreach (var kernel in Implementations.All)
        {
            for (var chunkLog = 0; chunkLog <= 8; chunkLog++)
            {
                var groupBytes = ChunkLen << chunkLog;
                for (var trial = 0; trial < 6; trial++)
                {
                    var count = random.Next(1, Math.Max(2, (300 * ChunkLen) / groupBytes));
                    var data = new byte[count * groupBytes];
                    random.NextBytes(data);
                    // Random aligned offsets, some past 2^32 chunks (the counter's high word).
                    var start = (ulong)random.Next(0, 1 << 20) << chunkLog;
                    if (trial % 2 == 1)
                        start += (ulong)uint.MaxValue + 1 - ((ulong)count << chunkLog) / 2 & ~((1UL << chunkLog) - 1);
                    var many = new Hash[count];
                    Subtree.HashSubtrees(kernel, start, data, chunkLog, many);
                    for (var i = 0; i < count; i++)
                    {
                        var one = Subtree.HashSubtree(Implementation.Scalar, start + ((ulong)i << chunkLog), data.AsSpan(i * groupBytes, groupBytes), false);
                        Assert.True(one == many[i], $"{kernel}, chunk log {chunkLog}, {count} groups at chunk {start}: group {i} differs");
                    }
                }
            }
        }
    }

    [Fact]
    public void Group_cvs_compose_to_the_reference_hash()
    {
        // Independent anchor: the plain reference hasher, not our subtree code.
        var random = new Random(12);
        for (var chunkLog = 0; chunkLog <= 6; chunkLog++)
        {
            var groups = 1 << random.Next(1, 6);
            var data = new byte[groups * (ChunkLen << chunkLog)];
            random.NextBytes(data);
            var cvs = new Hash[groups];
            Subtree.HashSubtrees(0, data, chunkLog, cvs);
            while (cvs.Length > 2)
                cvs = Enumerable.Range(0, cvs.Length / 2).Select(i => Subtree.ParentCv(cvs[2 * i], cvs[2 * i + 1], false)).ToArray();
            var reference = Reference.ReferenceHasher.New();
            reference.Update(data);
            var expected = new byte[Hash.Size];
            reference.Finalize(expected);
            Assert.Equal(Hash.FromBytes(expected), Subtree.ParentCv(cvs[0], cvs[1], true));
        }
    }

    [Fact]
    public void Misaligned_start_wrong_length_and_bad_chunk_log_are_rejected()
    {
        var output = new Hash[2];
        var ex = Assert.Throws<ArgumentException>(() => Subtree.HashSubtrees(2, new byte[4 * ChunkLen], 2, output));
        Assert.Contains("chunk 2", ex.Message);
        Assert.Throws<ArgumentException>(() => Subtree.HashSubtrees(0, new byte[4 * ChunkLen - 1], 1, output));
        Assert.Throws<ArgumentException>(() => Subtree.HashSubtrees(0, new byte[5 * ChunkLen], 1, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => Subtree.HashSubtrees(0, [], -1, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => Subtree.HashSubtrees(0, [], 55, output));
    }

    [Fact]
    public void Many_parents_equal_one_parent_at_a_time_for_every_kernel()
    {
        var random = new Random(13);
        foreach (var kernel in Implementations.All)
        {
            foreach (var count in new[] { 0, 1, 3, 4, 7, 8, 15, 16, 17, 33, 100 })
            {
                var pairs = new byte[count * 64];
                random.NextBytes(pairs);
                var many = new Hash[count];
                Subtree.ParentCvs(kernel, pairs, many);
                for (var i = 0; i < count; i++)
                {
                    var one = Subtree.ParentCv(Hash.FromBytes(pairs.AsSpan(64 * i, 32)), Hash.FromBytes(pairs.AsSpan(64 * i + 32, 32)), false);
                    Assert.True(one == many[i], $"{kernel}: parent {i} of {count} differs");
                }
            }
        }
        Assert.Throws<ArgumentException>(() => Subtree.ParentCvs(new byte[65], new Hash[1]));
    }
}
