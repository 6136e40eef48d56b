namespace IrohActors.Bao.Tests;

/// <summary>
/// <see cref="RangeEncoder.Parallel"/> false (a provider's requests): the same stream and the same failures as the
/// parallel encoder, with every read of the data on the calling thread.
/// </summary>
public class SerialEncoderTests
{
    [Theory]
    [InlineData(0, 9_000_123)]
    [InlineData(4, 524_288)]
    [InlineData(4, 12_999_999)]
    [InlineData(7, 8_500_000)]
    [InlineData(10, 5_300_000)]
    public void Corrupt_data_fails_at_its_group_after_every_earlier_leaf(int k, int badOffset)
    {
        var data = TestData.Random(13_000_001, 37);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var bad = TestData.Flip(data, badOffset);
        var groupBytes = 1024 << k;
        using var encoder = new RangeEncoder(new ThreadRecordingSource(bad), outboard, ChunkRanges.All) { Parallel = false };
        var (ex, delivered) = TestData.EncodeUntilFailure(encoder);
        Assert.Equal(BaoFailure.Mismatch, ex.Failure);
        Assert.Equal((ulong)(badOffset / groupBytes * groupBytes / 1024), ex.Chunk.Value);
        Assert.Equal(data[..(badOffset / groupBytes * groupBytes)], delivered);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(9)]
    public void Range_sets_encode_like_the_reference_encoder_and_read_only_on_the_calling_thread(int k)
    {
        var data = TestData.Random(9_500_017, 51 + k);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var rng = new Random(k);
        foreach (var ranges in new[] { ChunkRanges.All, TestData.RandomRanges(rng), TestData.RandomRanges(rng) })
        {
            var (reference, _) = ReferenceEncoder.Encode(data, ranges, k);
            var source = new ThreadRecordingSource(data);
            using var encoder = new RangeEncoder(source, outboard, ranges) { Parallel = false };
            var output = new MemoryStream();
            encoder.WriteTo(output);
            Assert.Equal(reference, output.ToArray());
            Assert.NotEmpty(source.Threads);
            Assert.Equal([Environment.CurrentManagedThreadId], source.Threads.Distinct());
            // Windows stay small enough for one core's cache.
            Assert.True(source.LargestRead <= LeafWindow.SerialWindowBytes, $"a read of {source.LargestRead} bytes");
        }
    }

    [Fact]
    public void Switching_modes_between_items_keeps_the_stream_exact()
    {
        // A window read ahead in parallel mode is dropped or used correctly when the encoder turns serial, and back.
        const int k = 4;
        var data = TestData.Random(20_000_003, 61);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var (reference, _) = ReferenceEncoder.Encode(data, ChunkRanges.All, k);
        using var encoder = new RangeEncoder(data, outboard, ChunkRanges.All);
        var output = new MemoryStream();
        var items = 0;
        while (encoder.TryNext(out var item))
        {
            output.Write(item.Bytes.Span);
            if (++items % 97 == 0)
                encoder.Parallel = !encoder.Parallel;
        }
        Assert.Equal(reference, output.ToArray());
    }

    /// <summary>Memory that records which threads read it, and the largest read.</summary>
    private sealed class ThreadRecordingSource(byte[] data) : DataSource
    {
        private readonly MemoryDataSource _inner = new(data);

        public System.Collections.Concurrent.ConcurrentBag<int> Threads { get; } = [];

        public int LargestRead { get; private set; }

        public override ulong Length => _inner.Length;

        public override bool ReadsConcurrently => true;

        public override ReadOnlyMemory<byte> Read(ulong offset, int length, Memory<byte> scratch)
        {
            Threads.Add(Environment.CurrentManagedThreadId);
            LargestRead = Math.Max(LargestRead, length);
            return _inner.Read(offset, length, scratch);
        }
    }
}
