namespace IrohActors.Bao.Tests;

/// <summary>Decoding an encoding held in memory: leaves are copied by the verifying threads; same results and failure guarantees as from a stream.</summary>
public class MemorySourceDecodeTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1025, 0)]
    [InlineData(100_000, 1)]
    [InlineData(5_000_017, 4)]
    [InlineData(9_000_001, 0)]
    [InlineData(3_000_000, 6)]
    public void Memory_source_decodes_like_a_stream_and_reports_where_the_blob_ended(int size, int k)
    {
        var data = TestData.Random(size, size + 7);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var chunks = Math.Max(1UL, ChunkNum.Chunks((ulong)size).Value);
        foreach (var ranges in new[] { ChunkRanges.All, ChunkRanges.Range(chunks / 3, chunks / 3 + 17) | ChunkRanges.From(chunks * 4 / 5) })
        {
            var encoded = PropertyTests.Encode(data, outboard, ranges);
            var viaStream = new byte[size];
            using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, new MemoryStream(encoded)))
                decoder.DecodeIntoMemory(viaStream);
            var withTrailer = encoded.Concat(new byte[] { 1, 2, 3 }).ToArray();
            var viaMemory = new byte[size];
            var rebuilt = PreOrderOutboard.CreateEmpty(outboard.Tree, outboard.Root);
            using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, withTrailer.AsMemory()))
            {
                decoder.DecodeIntoMemory(viaMemory, rebuilt);
                Assert.Equal(encoded.Length, decoder.Consumed);
            }
            Assert.Equal(viaStream, viaMemory);
            if (ranges == ChunkRanges.All)
            {
                Assert.Equal(data, viaMemory);
                Assert.Equal(outboard.Data, rebuilt.Data);
            }
        }
    }

    [Theory]
    [InlineData(20_000, false)]
    [InlineData(6_500_000, false)]
    [InlineData(9_990_000, false)]
    [InlineData(0, true)]
    public void A_bad_or_truncated_memory_encoding_leaves_only_verified_bytes(int flipAt, bool truncate)
    {
        var data = TestData.Random(10_000_000, 23);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        var bad = truncate ? encoded[..(encoded.Length * 2 / 3)] : TestData.Flip(encoded, flipAt);
        var target = new byte[data.Length];
        Array.Fill(target, (byte)0xAA);
        using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, bad.AsMemory());
        var ex = Assert.Throws<BaoVerificationException>(() => decoder.DecodeIntoMemory(target));
        Assert.Equal(truncate ? BaoFailure.Missing : BaoFailure.Mismatch, ex.Failure);
        // Everything before the failing item is there; every group from it on is zeroed (read, not verified) or
        // untouched (never read): no unverified byte of the encoding is in the target.
        var failedAt = ex.Chunk.Value * 1024;
        for (var g = 0; g < data.Length; g += 16384)
        {
            var n = Math.Min(16384, data.Length - g);
            var got = target.AsSpan(g, n);
            if ((ulong)g < failedAt)
                Assert.True(got.SequenceEqual(data.AsSpan(g, n)), $"group at {g} before the failure at {failedAt}");
            else
                Assert.True(got.IndexOfAnyExcept((byte)0) < 0 || got.IndexOfAnyExcept((byte)0xAA) < 0, $"group at {g} after the failure at {failedAt} holds unverified bytes");
        }
    }
}
