using IrohActors.Blake3.Internal;

namespace IrohActors.Blake3.Tests;

/// <summary>
/// <see cref="Subtree.HashSubtreesCopy(ulong, ReadOnlySpan{byte}, Span{byte}, int, Span{Hash})"/>: the fused
/// copy-while-hashing kernels against <see cref="Subtree.HashSubtrees(ulong, ReadOnlySpan{byte}, int, Span{Hash})"/>
/// on the scalar kernel plus a plain copy.
/// </summary>
public class HashSubtreesCopyTests
{
    private const int ChunkLen = Subtree.ChunkLen;

    [Fact]
    public void Copies_and_hashes_like_HashSubtrees_and_a_plain_copy_for_every_kernel_chunk_log_and_offset()
    {
        var random = new Random(21);
        foreach (var kernel in Implementations.All)
        {
            foreach (var chunkLog in new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 10 })
            {
                var groupBytes = ChunkLen << chunkLog;
                for (var trial = 0; trial < 4; trial++)
                {
                    var count = random.Next(1, Math.Max(2, (200 * ChunkLen) / groupBytes));
                    // Odd offsets in both buffers: the kernels must not assume any alignment.
                    var sourceOffset = random.Next(0, 100);
                    var destinationOffset = random.Next(0, 100);
                    var source = new byte[sourceOffset + count * groupBytes + 37];
                    random.NextBytes(source);
                    var destination = new byte[destinationOffset + 16 + count * groupBytes + 41];
                    random.NextBytes(destination);
                    if (trial < 2)
                        destinationOffset = AlignedOffset(destination, destinationOffset); // 16-byte aligned destinations as well as odd ones
                    var before = (byte[])destination.Clone();
                    var start = (ulong)random.Next(0, 1 << 20) << chunkLog;
                    if (trial % 2 == 1)
                        start += (ulong)uint.MaxValue + 1 - ((ulong)count << chunkLog) / 2 & ~((1UL << chunkLog) - 1);
                    var data = source.AsSpan(sourceOffset, count * groupBytes);

                    var fused = new Hash[count];
                    Subtree.HashSubtreesCopy(kernel, start, data, destination.AsSpan(destinationOffset, data.Length), chunkLog, fused);

                    var plain = new Hash[count];
                    Subtree.HashSubtrees(Implementation.Scalar, start, data, chunkLog, plain);
                    var where = $"{kernel}, chunk log {chunkLog}, {count} groups at chunk {start}, offsets {sourceOffset}/{destinationOffset}";
                    for (var i = 0; i < count; i++)
                        Assert.True(plain[i] == fused[i], $"{where}: group {i} differs");
                    Assert.True(data.SequenceEqual(destination.AsSpan(destinationOffset, data.Length)), $"{where}: copy differs");
                    Assert.True(before.AsSpan(0, destinationOffset).SequenceEqual(destination.AsSpan(0, destinationOffset)), $"{where}: wrote before the destination");
                    var tail = destinationOffset + data.Length;
                    Assert.True(before.AsSpan(tail).SequenceEqual(destination.AsSpan(tail)), $"{where}: wrote past the destination");
                }
            }
        }
    }

    private static unsafe int AlignedOffset(byte[] array, int from)
    {
        fixed (byte* p = array)
            return from + (int)((16 - ((nint)(p + from) & 15)) & 15);
    }

    [Fact]
    public void Copied_group_cvs_compose_to_the_reference_hash()
    {
        // Independent anchor: the plain reference hasher over the source, and the copy equals the source.
        var random = new Random(22);
        foreach (var chunkLog in new[] { 0, 2, 4, 7 })
        {
            var groups = 1 << random.Next(1, 5);
            var data = new byte[groups * (ChunkLen << chunkLog)];
            random.NextBytes(data);
            var copy = new byte[data.Length];
            var cvs = new Hash[groups];
            Subtree.HashSubtreesCopy(0, data, copy, chunkLog, cvs);
            while (cvs.Length > 2)
                cvs = Enumerable.Range(0, cvs.Length / 2).Select(i => Subtree.ParentCv(cvs[2 * i], cvs[2 * i + 1], false)).ToArray();
            var reference = Reference.ReferenceHasher.New();
            reference.Update(data);
            var expected = new byte[Hash.Size];
            reference.Finalize(expected);
            Assert.Equal(Hash.FromBytes(expected), Subtree.ParentCv(cvs[0], cvs[1], true));
            Assert.Equal(data, copy);
        }
    }

    [Fact]
    public void Overlap_wrong_lengths_misalignment_and_bad_chunk_log_are_rejected()
    {
        var output = new Hash[2];
        var buffer = new byte[9 * ChunkLen];
        var ex = Assert.Throws<ArgumentException>(() => Subtree.HashSubtreesCopy(0, buffer.AsSpan(0, 4 * ChunkLen), buffer.AsSpan(ChunkLen, 4 * ChunkLen), 1, output));
        Assert.Contains("overlaps", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Subtree.HashSubtreesCopy(0, new byte[4 * ChunkLen], new byte[4 * ChunkLen - 1], 1, output));
        Assert.Contains("destination", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Subtree.HashSubtreesCopy(2, new byte[4 * ChunkLen], new byte[4 * ChunkLen], 2, output));
        Assert.Contains("chunk 2", ex.Message);
        Assert.Throws<ArgumentException>(() => Subtree.HashSubtreesCopy(0, new byte[5 * ChunkLen], new byte[5 * ChunkLen], 1, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => Subtree.HashSubtreesCopy(0, [], [], 55, output));
        Subtree.HashSubtreesCopy(0, [], [], 3, []);
    }
}
