namespace IrohActors.Bao.Tests;

/// <summary><see cref="RangeEncoder.EncodeTo"/>: the whole verified stream written in place, as the reference encoder writes it.</summary>
public class EncodeToTests
{
    public static TheoryData<int, int> Sizes => new()
    {
        { 0, 4 }, { 1, 4 }, { 1023, 0 }, { 1024, 4 }, { 3_900, 4 }, { 16_384, 4 }, { 16_385, 4 }, { 40_000, 4 },
        { 200_001, 4 }, { 70_000, 0 }, { 70_000, 2 }, { 300_000, 10 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Writes_what_the_reference_encoder_writes_from_memory_and_file(int size, int k)
    {
        var data = TestData.Random(size, 50 + size % 97);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var path = Path.Combine(Path.GetTempPath(), $"bao-encodeto-{Environment.ProcessId}-{size}-{k}.bin");
        File.WriteAllBytes(path, data);
        try
        {
            // Whole blobs, a range inside one group (chunks split off and their parents recomputed), ranges with gaps.
            foreach (var ranges in new[] { ChunkRanges.All, ChunkRanges.Range(1, 3), ChunkRanges.Range(0, 1) | ChunkRanges.Range(17, 60) })
            {
                var (expected, root) = ReferenceEncoder.Encode(data, ranges.Truncate((ulong)size), k);
                Assert.Equal(outboard.Root, root);
                using var handle = File.OpenHandle(path);
                foreach (var encoder in new[] { new RangeEncoder(data, outboard, ranges), new RangeEncoder(handle, outboard, ranges, path) })
                {
                    using (encoder)
                    {
                        Assert.Equal((ulong)expected.Length, encoder.EncodedLength);
                        // Poisoned: every byte must be written by the encoder.
                        var destination = Enumerable.Repeat((byte)0xAB, expected.Length + 16).ToArray();
                        var written = encoder.EncodeTo(destination);
                        Assert.Equal(expected.Length, written);
                        Assert.Equal(expected, destination[..written]);
                        Assert.False(encoder.TryNext(out _));
                    }
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Leaves_the_caller_vouches_for_encode_to_the_same_stream(int size, int k)
    {
        var data = TestData.Random(size, 60 + size % 89);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        foreach (var ranges in new[] { ChunkRanges.All, ChunkRanges.Range(1, 3), ChunkRanges.Range(0, 1) | ChunkRanges.Range(17, 60) })
        {
            var (expected, _) = ReferenceEncoder.Encode(data, ranges.Truncate((ulong)size), k);
            using (var encoder = new RangeEncoder(data, outboard, ranges) { LeavesVerified = true })
            {
                var destination = new byte[expected.Length];
                Assert.Equal(expected.Length, encoder.EncodeTo(destination));
                Assert.Equal(expected, destination);
            }
            using (var encoder = new RangeEncoder(data, outboard, ranges) { LeavesVerified = true })
            {
                var output = new MemoryStream();
                encoder.WriteTo(output);
                Assert.Equal(expected, output.ToArray());
            }
        }
    }

    [Fact]
    public void Leaves_the_caller_vouches_for_are_not_hashed_but_parents_are_still_checked()
    {
        // What the flag means: a one-group blob's bytes go out as given (the store sets it only for the bytes it hashed).
        var small = TestData.Random(3_900, 90);
        var smallOutboard = PreOrderOutboard.Create(small, BlockSize.FromChunkLog(4));
        var flipped = TestData.Flip(small, 10);
        using (var encoder = new RangeEncoder(flipped, smallOutboard, ChunkRanges.All) { LeavesVerified = true })
        {
            var destination = new byte[encoder.EncodedLength];
            Assert.Equal(3_900, encoder.EncodeTo(destination));
            Assert.Equal(flipped, destination);
        }

        // A pair of the outboard that does not hash to its parent still fails, naming the node.
        var data = TestData.Random(100_000, 91);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(4));
        var pairs = (byte[])outboard.Data!.Clone();
        pairs[0] ^= 1;
        var bad = PreOrderOutboard.FromBytes(outboard.Tree, outboard.Root, pairs);
        using var failing = new RangeEncoder(data, bad, ChunkRanges.All) { LeavesVerified = true };
        var ex = Assert.Throws<BaoVerificationException>(() => failing.EncodeTo(new byte[failing.EncodedLength]));
        Assert.Equal(BaoFailure.Mismatch, ex.Failure);
    }

    [Theory]
    [InlineData(3_900, 2_000)]
    [InlineData(40_000, 100)]
    [InlineData(40_000, 39_999)]
    public void Changed_data_fails_naming_its_group(int size, int badOffset)
    {
        var data = TestData.Random(size, 77);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(4));
        var bad = TestData.Flip(data, badOffset);
        using var encoder = new RangeEncoder(bad, outboard, ChunkRanges.All);
        var ex = Assert.Throws<BaoVerificationException>(() => encoder.EncodeTo(new byte[encoder.EncodedLength]));
        Assert.Equal(BaoFailure.Mismatch, ex.Failure);
        Assert.Equal((ulong)(badOffset / 16_384 * 16), ex.Chunk.Value);
    }

    [Fact]
    public void A_file_shorter_than_its_outboard_fails_as_missing()
    {
        var data = TestData.Random(40_000, 78);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(4));
        var path = Path.Combine(Path.GetTempPath(), $"bao-encodeto-short-{Environment.ProcessId}.bin");
        File.WriteAllBytes(path, data[..20_000]);
        try
        {
            using var handle = File.OpenHandle(path);
            using var encoder = new RangeEncoder(handle, outboard, ChunkRanges.All, path);
            var ex = Assert.Throws<BaoVerificationException>(() => encoder.EncodeTo(new byte[encoder.EncodedLength]));
            Assert.Equal(BaoFailure.Missing, ex.Failure);
            Assert.Equal(16UL, ex.Chunk.Value);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
