using System.Buffers;
using System.IO.Pipelines;

namespace IrohActors.Bao.Tests;

/// <summary>Decoding from a <see cref="PipeReader"/>: the same items as from a stream, whatever the write sizes, and the pipe is left just after the blob.</summary>
public class PipeDecodeTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(100_000, 0)]
    [InlineData(5_000_017, 4)]
    [InlineData(700_001, 2)]
    public async Task A_pipe_fed_in_odd_pieces_decodes_the_data_and_keeps_what_follows(int size, int k)
    {
        var data = TestData.Random(size, size + 11);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(k));
        var rng = new Random(size);
        var chunks = Math.Max(1UL, ChunkNum.Chunks((ulong)size).Value);
        foreach (var ranges in new[] { ChunkRanges.All, ChunkRanges.Range(chunks / 3, chunks / 3 + 5) | ChunkRanges.From(chunks * 4 / 5) })
        {
            var encoded = PropertyTests.Encode(data, outboard, ranges);
            var trailer = "next blob"u8.ToArray();
            var pipe = new Pipe();
            var writing = Task.Run(async () =>
            {
                var all = encoded.Concat(trailer).ToArray();
                for (var at = 0; at < all.Length;)
                {
                    var n = Math.Min(all.Length - at, rng.Next(1, 70_000));
                    await pipe.Writer.WriteAsync(all.AsMemory(at, n));
                    at += n;
                }
                await pipe.Writer.CompleteAsync();
            });
            var viaStream = new MemoryStream(new byte[size]);
            using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, new MemoryStream(encoded)))
                await decoder.DecodeIntoAsync(viaStream);
            var viaPipe = new MemoryStream(new byte[size]);
            using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, pipe.Reader))
                await decoder.DecodeIntoAsync(viaPipe);
            await writing;
            Assert.Equal(viaStream.ToArray(), viaPipe.ToArray());
            if (ranges == ChunkRanges.All)
                Assert.Equal(data, viaPipe.ToArray());
            var rest = await pipe.Reader.ReadAtLeastAsync(trailer.Length + 1);
            Assert.Equal(trailer, rest.Buffer.ToArray());
        }
    }

    [Fact]
    public void A_truncated_pipe_is_missing_data_and_a_flipped_bit_a_mismatch_synchronously_too()
    {
        var data = TestData.Random(300_000, 5);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);

        var truncated = PipeReader.Create(new ReadOnlySequence<byte>(encoded[..^100]));
        using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, truncated))
            Assert.Equal(BaoFailure.Missing, Assert.Throws<BaoVerificationException>(() => decoder.DecodeIntoMemory(new byte[data.Length])).Failure);

        var flipped = PipeReader.Create(new ReadOnlySequence<byte>(TestData.Flip(encoded, encoded.Length - 5000)));
        var target = new byte[data.Length];
        using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, flipped))
            Assert.Equal(BaoFailure.Mismatch, Assert.Throws<BaoVerificationException>(() => decoder.DecodeIntoMemory(target)).Failure);
        // The last group failed: it is zeroed, everything before it verified and is there.
        var lastGroup = (data.Length - 1) / 16384 * 16384;
        Assert.Equal(data[..lastGroup], target[..lastGroup]);
        Assert.All(target[lastGroup..], b => Assert.Equal(0, b));
    }
}
