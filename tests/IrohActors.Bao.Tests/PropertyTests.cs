using IrohActors.Blake3;

namespace IrohActors.Bao.Tests;

public class PropertyTests
{
    // Sizes around every interesting boundary for chunk logs 0…6, plus a few larger ones.
    private static IEnumerable<int> BoundarySizes()
    {
        yield return 0;
        foreach (var k in new[] { 0, 1, 2, 3, 4, 5, 6 })
        {
            var g = 1024 << k;
            foreach (var m in new[] { 1, 2, 3 })
                foreach (var d in new[] { -1, 0, 1 })
                    yield return m * g + d;
        }
        yield return 13 * 1024 + 7;
        yield return 100_000;
        yield return 1 << 20;
        yield return (1 << 20) + 12345;
    }

    private static ChunkRanges RandomRanges(Random rng, ulong chunks)
    {
        var set = ChunkRanges.Empty;
        var n = rng.Next(1, 4);
        for (var i = 0; i < n; i++)
        {
            var s = (ulong)rng.NextInt64(0, (long)chunks + 3);
            set |= rng.Next(5) == 0 ? ChunkRanges.From(s) : ChunkRanges.Range(s, s + (ulong)rng.Next(1, 40));
        }
        return set;
    }

    [Fact]
    public void Fast_encoder_agrees_byte_for_byte_with_the_reference_and_decodes()
    {
        var rng = new Random(11);
        var sizes = BoundarySizes().Concat(Enumerable.Range(0, 40).Select(_ => rng.Next(0, 300_000))).Distinct().ToArray();
        foreach (var size in sizes)
        {
            var data = TestData.Random(size, size);
            var hash = TestData.Blake3(data);
            for (var k = 0; k <= 6; k++)
            {
                var bs = BlockSize.FromChunkLog(k);
                var outboard = PreOrderOutboard.Create(data, bs);
                Assert.Equal(hash, outboard.Root);
                Assert.Equal(ReferenceEncoder.PreOrderOutboard(data, k), outboard.Data);
                Assert.Equal(ReferenceEncoder.PostOrderOutboard(data, k), outboard.ToPostOrder().Data);
                var tries = size > 200_000 ? 2 : 4;
                for (var t = 0; t < tries; t++)
                {
                    var ranges = t == 0 ? ChunkRanges.All : RandomRanges(rng, ChunkNum.Chunks((ulong)size).Value);
                    var (reference, refRoot) = ReferenceEncoder.Encode(data, ranges, k);
                    Assert.Equal(hash, refRoot);
                    var fast = Encode(data, outboard, ranges);
                    Assert.True(reference.AsSpan().SequenceEqual(fast), $"size {size} k {k} ranges {ranges}");
                    Assert.Equal((ulong)fast.Length, ResponseWalk.EncodedLength(outboard.Tree, ranges));
                    AssertDecodes(data, hash, outboard.Tree, ranges, fast);
                }
            }
        }
    }

    [Fact]
    public void Full_encodings_have_the_formula_size()
    {
        foreach (var size in BoundarySizes())
            for (var k = 0; k <= 6; k++)
            {
                var tree = new BaoTree((ulong)size, BlockSize.FromChunkLog(k));
                Assert.Equal((ulong)size + 64 * (tree.Blocks - 1), ResponseWalk.EncodedLength(tree, ChunkRanges.All));
            }
    }

    [Theory]
    [InlineData(0, 128)]
    [InlineData(1, 64)]
    [InlineData(2, 0)]
    public void Three_chunks_have_bao_tree_overheads(int minLevel, int overhead)
    {
        var data = TestData.Random(3 * 1024, 3);
        var (encoded, _) = ReferenceEncoder.Encode(data, ChunkRanges.All, minLevel);
        Assert.Equal(3 * 1024 + overhead, encoded.Length);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(minLevel));
        Assert.Equal(encoded, Encode(data, outboard, ChunkRanges.All));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1000UL)]
    [InlineData(3000UL)]
    public void Single_chunk_of_a_large_blob_costs_the_same_as_plain_bao(ulong chunk)
    {
        // bao-tree encode_single_chunk_large: 16 MiB + 12345 bytes at chunk log 4 → 15 pairs + 1 chunk.
        var data = TestData.Random((16 << 20) + 12345, 16);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = Encode(data, outboard, ChunkRanges.Chunk(chunk));
        Assert.Equal(15 * 64 + 1024, encoded.Length);
        AssertDecodes(data, outboard.Root, outboard.Tree, ChunkRanges.Chunk(chunk), encoded);
    }

    [Fact]
    public void Every_single_bit_flip_is_detected()
    {
        var rng = new Random(5);
        foreach (var size in new[] { 0, 1, 1024, 1025, 5000, 40_000, 70_000 })
        {
            var data = TestData.Random(size, size + 1);
            for (var k = 0; k <= 3; k++)
            {
                var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
                var ranges = size > 5000 ? ChunkRanges.Range(3, 20) | ChunkRanges.From(30) : ChunkRanges.All;
                var encoded = Encode(data, outboard, ranges);
                var bits = encoded.Length * 8;
                var sample = bits <= 4096 ? Enumerable.Range(0, bits) : Enumerable.Range(0, 2048).Select(_ => rng.Next(bits));
                foreach (var bit in sample)
                {
                    var bad = (byte[])encoded.Clone();
                    bad[bit / 8] ^= (byte)(1 << (bit % 8));
                    using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, new MemoryStream(bad));
                    var ex = Assert.Throws<BaoVerificationException>(() => decoder.DecodeInto(null));
                    Assert.Equal(BaoFailure.Mismatch, ex.Failure);
                }
                if (encoded.Length > 0)
                {
                    using var truncated = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, new MemoryStream(encoded[..^1]));
                    Assert.Equal(BaoFailure.Missing, Assert.Throws<BaoVerificationException>(() => truncated.DecodeInto(null)).Failure);
                }
            }
        }
    }

    [Fact]
    public void Decoder_never_hands_out_a_leaf_before_it_verified()
    {
        var data = TestData.Random(50_000, 9);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(2));
        var encoded = Encode(data, outboard, ChunkRanges.All);
        // Corrupt the last byte: every leaf before the last must come out, the last must not.
        var bad = TestData.Flip(encoded, encoded.Length - 1);
        using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(bad));
        var got = new MemoryStream();
        var ex = Assert.Throws<BaoVerificationException>(() => decoder.DecodeInto(got));
        Assert.Equal(48UL, ex.Chunk.Value);
        Assert.Contains("chunk 48", ex.Message);
        Assert.Equal(data[..(48 * 1024)], got.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5_000_000)]
    [InlineData(9_500_000)]
    public async Task Batched_decode_writes_exactly_what_verified_before_a_failure(int dataOffset)
    {
        var data = TestData.Random(10_000_000, 19);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = Encode(data, outboard, ChunkRanges.All);
        var good = new MemoryStream();
        using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(encoded)))
            await decoder.DecodeIntoAsync(good);
        Assert.Equal(data, good.ToArray());
        // In a full-range stream the data of group g follows all pairs that precede it in pre-order.
        var group = (ulong)dataOffset / 16384;
        var at = (int)((ulong)dataOffset + 64 * PairsBefore(outboard.Tree, group));
        var bad = TestData.Flip(encoded, at);
        var got = new MemoryStream();
        using var failing = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(bad));
        var ex = await Assert.ThrowsAsync<BaoVerificationException>(() => failing.DecodeIntoAsync(got));
        Assert.Equal(group * 16, ex.Chunk.Value);
        Assert.Equal(data[..(int)(group * 16384)], got.ToArray());
    }

    [Fact]
    public async Task Decoding_fills_an_outboard_and_a_target_at_offsets()
    {
        var data = TestData.Random(300_000, 10);
        foreach (var k in new[] { 0, 4 })
        {
            var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
            var encoded = Encode(data, outboard, ChunkRanges.All);
            var rebuilt = PreOrderOutboard.CreateEmpty(outboard.Tree, outboard.Root);
            var target = new MemoryStream(new byte[data.Length]);
            using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(encoded));
            await decoder.DecodeIntoAsync(target, rebuilt);
            Assert.Equal(outboard.Data, rebuilt.Data);
            Assert.Equal(data, target.ToArray());
            var post = PostOrderOutboard.CreateEmpty(outboard.Tree, outboard.Root);
            using var again = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(encoded));
            again.DecodeInto(null, post);
            Assert.Equal(ReferenceEncoder.PostOrderOutboard(data, k), post.Data);
            Assert.Equal(outboard.Data, post.ToPreOrder().Data);
            var suffixed = post.ToBytesWithSuffix();
            Assert.Equal(outboard.Data, PostOrderOutboard.FromBytesWithSuffix(outboard.Root, suffixed, outboard.Tree.BlockSize).ToPreOrder().Data);
        }
    }

    [Fact]
    public void Streams_and_files_build_the_same_outboard_as_memory()
    {
        var data = TestData.Random(5_000_000, 12);
        var expected = PreOrderOutboard.Create(data, BlockSize.Default);
        Assert.Equal(TestData.Blake3(data), expected.Root);
        var fromStream = PreOrderOutboard.Create(new NonSeekable(data), (ulong)data.Length, BlockSize.Default);
        Assert.Equal(expected.Data, fromStream.Data);
        var path = Path.Combine(Path.GetTempPath(), $"bao-test-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(path, data);
            Assert.Equal(expected.Data, PreOrderOutboard.CreateFromFile(path, BlockSize.Default).Data);
            Assert.Equal(expected.ToPostOrder().Data, PostOrderOutboard.CreateFromFile(path, BlockSize.Default).Data);
            using var handle = File.OpenHandle(path);
            using var encoder = new RangeEncoder(handle, expected, ChunkRanges.Range(7, 300));
            var fromFile = new MemoryStream();
            encoder.WriteTo(fromFile);
            Assert.Equal(Encode(data, expected, ChunkRanges.Range(7, 300)), fromFile.ToArray());
            // The outboard itself in a file, read through a handle; valid ranges straight from the files.
            File.WriteAllBytes(path + ".obao4", expected.Data!);
            using (var obHandle = File.OpenHandle(path + ".obao4"))
            {
                var onDisk = PreOrderOutboard.FromFile(expected.Tree, expected.Root, obHandle, 0, path + ".obao4");
                Assert.Equal(Encode(data, expected, ChunkRanges.All), Encode(data, onDisk, ChunkRanges.All));
                Assert.Equal(ChunkRanges.Range(0, ChunkNum.Chunks((ulong)data.Length).Value), ValidRanges.Compute(handle, onDisk));
            }
            File.Delete(path + ".obao4");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_short_stream_fails_naming_the_offset()
    {
        var data = TestData.Random(10_000_000, 18);
        var ex = Assert.Throws<EndOfStreamException>(() => PreOrderOutboard.Create(new NonSeekable(data), 12_000_000, BlockSize.Default));
        Assert.Contains("offset 10000000", ex.Message);
    }

    [Fact]
    public void Encoder_refuses_bad_local_data_naming_the_chunk_or_node()
    {
        var data = TestData.Random(100_000, 13);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var bad = TestData.Flip(data, 40_000);  // group 2 (chunks 32..48)
        using var encoder = new RangeEncoder(bad, outboard, ChunkRanges.All);
        var ex = Assert.Throws<BaoVerificationException>(() => encoder.WriteTo(Stream.Null));
        Assert.Equal(32UL, ex.Chunk.Value);
        using var partial = new RangeEncoder(bad, outboard, ChunkRanges.Chunk(39));
        var ex2 = Assert.Throws<BaoVerificationException>(() => partial.WriteTo(Stream.Null));
        Assert.Contains("parent node", ex2.Message);   // the recomputed in-group parent no longer matches the group's CV
        var badOutboard = PreOrderOutboard.FromBytes(outboard.Tree, outboard.Root, TestData.Flip(outboard.Data!, 64 + 5));
        using var encoder3 = new RangeEncoder(data, badOutboard, ChunkRanges.All);
        var ex3 = Assert.Throws<BaoVerificationException>(() => encoder3.WriteTo(Stream.Null));
        Assert.NotNull(ex3.Node);
    }

    [Fact]
    public void Valid_ranges_find_the_groups_that_verify()
    {
        var data = TestData.Random(100_000, 14);   // 7 groups of 16 KiB, the last short
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        Assert.Equal("0..98", ValidRanges.Compute(data, outboard).ToString());
        var bad = TestData.Flip(data, 40_000);
        Assert.Equal("0..32, 48..98", ValidRanges.Compute(bad, outboard).ToString());
        Assert.Equal("48..64", ValidRanges.Compute(bad, outboard, ChunkRanges.Range(40, 50)).ToString());
        var zeros = (byte[])data.Clone();
        Array.Clear(zeros, 64 * 1024, zeros.Length - 64 * 1024);
        Assert.Equal("0..64", ValidRanges.Compute(zeros, outboard).ToString());
    }

    [Fact]
    public void Stable_post_order_pairs_do_not_move_when_data_is_appended()
    {
        var data = TestData.Random(400_000, 17);
        foreach (var (n, m) in new[] { (100_000, 400_000), (65_536, 70_000), (16_385, 200_000) })
        {
            var k = BlockSize.FromChunkLog(2);
            var small = PostOrderOutboard.Create(data.AsMemory(0, n), k);
            var large = PostOrderOutboard.Create(data.AsMemory(0, m), k);
            var stable = 0;
            foreach (var node in ResponseWalk.Collect(small.Tree, ChunkRanges.All).Where(i => i.Kind == BaoChunkKind.Parent).Select(i => i.Node))
            {
                if (!small.Tree.IsStable(node))
                    continue;
                stable++;
                Assert.Equal(small.Tree.PostOrderOffset(node), large.Tree.PostOrderOffset(node));
                Assert.True(small.TryLoad(node, out var a) && large.TryLoad(node, out var b) && a == b, $"{node}");
            }
            Assert.True(stable > 0);
        }
    }

    [Fact]
    public void Root_does_not_depend_on_the_chunk_log()
    {
        var data = TestData.Random(777_777, 15);
        var roots = Enumerable.Range(0, 9).Select(k => PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k)).Root).Distinct();
        Assert.Equal(TestData.Blake3(data), Assert.Single(roots));
    }

    // Stored pairs that come before group g in pre-order, counted from the walk itself.
    private static ulong PairsBefore(BaoTree tree, ulong group)
    {
        ulong pairs = 0;
        foreach (var item in ResponseWalk.Collect(tree, ChunkRanges.All))
        {
            if (item.Kind == BaoChunkKind.Leaf && item.StartChunk.Value == group * tree.BlockSize.Chunks)
                return pairs;
            if (item.Kind == BaoChunkKind.Parent)
                pairs++;
        }
        throw new InvalidOperationException($"group {group} not found");
    }

    internal static byte[] Encode(byte[] data, IOutboard outboard, ChunkRanges ranges)
    {
        using var encoder = new RangeEncoder(data, outboard, ranges);
        var output = new MemoryStream();
        encoder.WriteTo(output);
        return output.ToArray();
    }

    private static void AssertDecodes(byte[] data, Hash hash, BaoTree tree, ChunkRanges ranges, byte[] encoded)
    {
        using var decoder = new ResponseDecoder(hash, tree, ranges, new MemoryStream(encoded));
        var covered = ChunkRanges.Empty;
        while (decoder.TryNext(out var item))
        {
            if (item.IsParent)
                continue;
            Assert.True(data.AsSpan((int)item.Offset, item.Bytes.Length).SequenceEqual(item.Bytes.Span));
            covered |= ChunkRanges.Bytes(item.Offset, item.Offset + (ulong)Math.Max(1, item.Bytes.Length));
        }
        // Every requested chunk that exists was delivered.
        var wanted = ranges.Truncate(tree.Size) & ChunkRanges.Range(0, Math.Max(1, tree.Chunks.Value));
        Assert.True(wanted.IsSubsetOf(covered), $"wanted {wanted}, got {covered}");
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
