namespace IrohActors.Bao.Tests;

/// <summary>Decoding straight into memory: same result as a stream target, and no unverified byte survives a failure.</summary>
public class MemoryTargetDecodeTests
{
    private const byte Fill = 0xAA;

    private static byte[] Filled(int length)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, Fill);
        return bytes;
    }

    [Fact]
    public async Task Memory_target_gets_the_same_bytes_as_a_stream_target_for_random_ranges()
    {
        var rng = new Random(21);
        foreach (var size in new[] { 0, 1, 1024, 1025, 16384, 100_000, 1 << 20, 5_000_000 + 17 })
        {
            var data = TestData.Random(size, size + 3);
            for (var k = 0; k <= 6; k++)
            {
                var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
                var chunks = Math.Max(1UL, ChunkNum.Chunks((ulong)size).Value);
                var rangeSets = new[] { ChunkRanges.All, ChunkRanges.Range(chunks / 3, chunks / 3 + (ulong)rng.Next(1, 70)) | ChunkRanges.From(chunks * 4 / 5) };
                foreach (var ranges in rangeSets)
                {
                    var encoded = PropertyTests.Encode(data, outboard, ranges);
                    var viaStream = new MemoryStream(Filled(size));
                    using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, new MemoryStream(encoded)))
                        await decoder.DecodeIntoAsync(viaStream);
                    var inMemory = Filled(size);
                    var rebuilt = PreOrderOutboard.CreateEmpty(outboard.Tree, outboard.Root);
                    using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, new MemoryStream(encoded)))
                        decoder.DecodeIntoMemory(inMemory, rebuilt);
                    Assert.True(viaStream.ToArray().AsSpan().SequenceEqual(inMemory), $"size {size} k {k} ranges {ranges}");
                    if (ranges == ChunkRanges.All)
                    {
                        Assert.Equal(data, inMemory);
                        Assert.Equal(outboard.Data, rebuilt.Data);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3_000_000)]
    [InlineData(5_000_000)]
    [InlineData(9_500_000)]
    public async Task A_failure_leaves_only_verified_bytes_in_the_target(int dataOffset)
    {
        var data = TestData.Random(10_000_000, 19);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        var group = dataOffset / 16384;
        // Find the stream offset of data byte dataOffset: leaves follow the pairs before them in pre-order.
        var pairsBefore = ResponseWalk.Collect(outboard.Tree, ChunkRanges.All)
            .TakeWhile(item => !(item.Kind == BaoChunkKind.Leaf && item.StartChunk.Value == (ulong)group * 16))
            .Count(item => item.Kind == BaoChunkKind.Parent);
        var bad = TestData.Flip(encoded, dataOffset + 64 * pairsBefore);
        var target = Filled(data.Length);
        using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(bad));
        var ex = await Assert.ThrowsAsync<BaoVerificationException>(() => decoder.DecodeIntoMemoryAsync(target));
        Assert.Equal(BaoFailure.Mismatch, ex.Failure);
        Assert.Equal((ulong)group * 16, ex.Chunk.Value);
        var verified = group * 16384;
        Assert.True(target.AsSpan(0, verified).SequenceEqual(data.AsSpan(0, verified)), "verified prefix not delivered");
        AssertNoData(target, verified);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task A_bad_parent_stops_the_decode_before_anything_that_follows_it(int k)
    {
        var data = TestData.Random(6_000_000, 25);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        // The stream offset of the non-root parent nearest the middle, and the leaf bytes before it.
        long at = 0, leafBytes = 0, badAt = -1, before = 0;
        BaoChunk bad = default;
        foreach (var item in ResponseWalk.Collect(outboard.Tree, ChunkRanges.All))
        {
            if (item.Kind == BaoChunkKind.Parent && !item.IsRoot && badAt < 0 && at >= encoded.Length / 2)
                (badAt, before, bad) = (at, leafBytes, item);
            at += item.Kind == BaoChunkKind.Parent ? 64 : item.Size;
            leafBytes += item.Kind == BaoChunkKind.Parent ? 0 : item.Size;
        }
        var corrupt = TestData.Flip(encoded, (int)badAt + 40);
        var viaStream = new MemoryStream();
        using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(corrupt)))
        {
            var ex = await Assert.ThrowsAsync<BaoVerificationException>(() => decoder.DecodeIntoAsync(viaStream));
            Assert.Equal(bad.Node, ex.Node);
        }
        Assert.Equal(data[..(int)before], viaStream.ToArray());
        var inMemory = Filled(data.Length);
        using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(corrupt)))
            Assert.Throws<BaoVerificationException>(() => decoder.DecodeIntoMemory(inMemory));
        Assert.True(inMemory.AsSpan(0, (int)before).SequenceEqual(data.AsSpan(0, (int)before)));
        AssertNoData(inMemory, (int)before);
    }

    [Fact]
    public void A_truncated_stream_leaves_no_unverified_bytes()
    {
        var data = TestData.Random(3_000_000, 23);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(2));
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        var target = Filled(data.Length);
        using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(encoded[..^100]));
        var ex = Assert.Throws<BaoVerificationException>(() => decoder.DecodeIntoMemory(target));
        Assert.Equal(BaoFailure.Missing, ex.Failure);
        // The last group (4 KiB) is the one cut short; everything before it verified.
        var lastGroup = (data.Length - 1) / 4096 * 4096;
        Assert.True(target.AsSpan(0, lastGroup).SequenceEqual(data.AsSpan(0, lastGroup)));
        AssertNoData(target, lastGroup);
    }

    [Fact]
    public void A_target_shorter_than_the_blob_is_rejected()
    {
        var data = TestData.Random(5000, 24);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(PropertyTests.Encode(data, outboard, ChunkRanges.All)));
        var ex = Assert.Throws<ArgumentException>(() => decoder.DecodeIntoMemory(new byte[4999]));
        Assert.Contains("4999", ex.Message);
    }

    // From `from` on the target holds only the fill or zeroes (unverified leaves are cleared), never random data.
    private static void AssertNoData(byte[] target, int from)
    {
        for (var i = from; i < target.Length; i++)
            Assert.True(target[i] == Fill || target[i] == 0, $"unverified byte {target[i]:x2} left at offset {i}");
    }
}
