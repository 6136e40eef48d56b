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
        var delivered = new MemoryStream();
        var ex = Assert.Throws<BaoVerificationException>(() =>
        {
            while (encoder.TryNext(out var item))
                if (item.Chunk.Kind == BaoChunkKind.Leaf)
                    delivered.Write(item.Bytes.Span);
        });
        Assert.Equal(BaoFailure.Mismatch, ex.Failure);
        var groupBytes = 1024 << k;
        Assert.Equal((ulong)(badOffset / groupBytes * groupBytes / 1024), ex.Chunk.Value);
        Assert.Equal(data[..(badOffset / groupBytes * groupBytes)], delivered.ToArray());
    }
}
