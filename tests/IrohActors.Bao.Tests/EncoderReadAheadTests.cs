namespace IrohActors.Bao.Tests;

/// <summary>The encoder hashes small groups a window ahead; bad stored data must still fail at its own group, after every good item.</summary>
public class EncoderReadAheadTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, 700_000)]
    [InlineData(1, 262_144)]
    [InlineData(2, 300_001)]
    [InlineData(3, 699_999)]
    public void Corrupt_data_fails_at_its_group_after_every_earlier_leaf(int k, int badOffset)
    {
        var data = TestData.Random(700_001, 31);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var bad = TestData.Flip(data, badOffset);
        using var encoder = new RangeEncoder(bad, outboard, ChunkRanges.All);
        var (ex, delivered) = TestData.EncodeUntilFailure(encoder);
        Assert.Equal(BaoFailure.Mismatch, ex.Failure);
        var groupBytes = 1024 << k;
        Assert.Equal((ulong)(badOffset / groupBytes * groupBytes / 1024), ex.Chunk.Value);
        Assert.Equal(data[..(badOffset / groupBytes * groupBytes)], delivered);
    }

    [Theory]
    [InlineData(0, 9_000_123)]
    [InlineData(4, 4_194_304)]
    [InlineData(4, 12_999_999)]
    [InlineData(7, 8_500_000)]
    [InlineData(10, 5_300_000)]
    public void Corrupt_data_in_a_later_window_fails_at_its_group_from_memory_and_file(int k, int badOffset)
    {
        // 13 MB: several 4 MiB windows, the next one read and hashed in the background while items go out.
        var data = TestData.Random(13_000_001, 37);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var bad = TestData.Flip(data, badOffset);
        var groupBytes = 1024 << k;
        var path = Path.Combine(Path.GetTempPath(), $"baodecode-window-{Environment.ProcessId}-{k}.bin");
        File.WriteAllBytes(path, bad);
        try
        {
            using var handle = File.OpenHandle(path);
            foreach (var encoder in new[] { new RangeEncoder(bad, outboard, ChunkRanges.All), new RangeEncoder(handle, outboard, ChunkRanges.All, path) })
            {
                using (encoder)
                {
                    var (ex, delivered) = TestData.EncodeUntilFailure(encoder);
                    Assert.Equal(BaoFailure.Mismatch, ex.Failure);
                    Assert.Equal((ulong)(badOffset / groupBytes * groupBytes / 1024), ex.Chunk.Value);
                    Assert.Equal(data[..(badOffset / groupBytes * groupBytes)], delivered);
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(9)]
    public void Big_range_sets_encode_like_the_reference_encoder(int k)
    {
        // Ranges with gaps and odd ends make the read-ahead guess the next window wrong now and then.
        var data = TestData.Random(9_500_017, 41 + k);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var rng = new Random(k);
        for (var round = 0; round < 3; round++)
        {
            var ranges = TestData.RandomRanges(rng);
            var (reference, _) = ReferenceEncoder.Encode(data, ranges, k);
            using var encoder = new RangeEncoder(data, outboard, ranges);
            var output = new MemoryStream();
            encoder.WriteTo(output);
            Assert.Equal(reference, output.ToArray());
        }
    }

    [Theory]
    [InlineData(0, 9_437_184)]
    [InlineData(0, 9_500_017)]
    [InlineData(1, 13_000_001)]
    [InlineData(2, 8_388_608)]
    [InlineData(5, 9_000_000)]
    public void Outboards_over_several_batches_equal_the_reference(int k, int size)
    {
        // Several 4 MiB batches: whole aligned batches have their inner parents computed level by level.
        var data = TestData.Random(size, k + 100);
        var pre = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        Assert.Equal(ReferenceEncoder.PreOrderOutboard(data, k), pre.Data);
        Assert.Equal(TestData.Blake3(data), pre.Root);
        var post = PostOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        Assert.Equal(ReferenceEncoder.PostOrderOutboard(data, k), post.Data);
    }

    [Theory]
    [InlineData(4, 4_000_000)]
    [InlineData(0, 9_999_999)]
    [InlineData(2, 5_000)]
    public void A_truncated_file_fails_missing_at_the_group_where_it_ends_after_every_earlier_leaf(int k, int truncateAt)
    {
        var data = TestData.Random(13_000_001, 43);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var path = Path.Combine(Path.GetTempPath(), $"baodecode-truncated-{Environment.ProcessId}-{k}.bin");
        File.WriteAllBytes(path, data[..truncateAt]);
        try
        {
            using var handle = File.OpenHandle(path);
            using var encoder = new RangeEncoder(handle, outboard, ChunkRanges.All, path);
            var (ex, delivered) = TestData.EncodeUntilFailure(encoder);
            Assert.Equal(BaoFailure.Missing, ex.Failure);
            var groupBytes = 1024 << k;
            var lastWhole = truncateAt / groupBytes * groupBytes;
            Assert.Equal((ulong)(lastWhole / 1024), ex.Chunk.Value);
            Assert.Equal(data[..lastWhole], delivered);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
