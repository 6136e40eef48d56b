using IrohActors.Store.Backends;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Store.Tests;

/// <summary>
/// Direct (<c>O_DIRECT</c>) writes from the blocks a decoder verified in (<see cref="DirectWriter.WriteFrom"/>): what
/// reaches the file after <see cref="DirectWriter.Drain"/> is exactly what was written — aligned runs gathered from
/// several blocks, runs with unaligned heads and tails, runs not aligned in memory (copied), runs with gaps between
/// them — and a block given back by its borrower is not reused while its write is still running. Skipped (passes
/// vacuously) where the temp directory's file system refuses <c>O_DIRECT</c>.
/// </summary>
public sealed class DirectWriterTests : IDisposable
{
    private const int BlockBytes = 256 << 10;
    private readonly string _dir = TestData.TempDir("direct");

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Runs_from_aligned_blocks_reach_the_file_exactly()
    {
        var path = Path.Combine(_dir, "data");
        using var buffered = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        using var writer = DirectWriter.TryOpen(path, buffered);
        if (writer is null)
            return;
        var data = TestData.Bytes(24 << 20, 11);
        var expected = new byte[data.Length];
        // 18 blocks back to back from 0 (two gathers of 4 MiB and a rest); then a run at an unaligned offset whose
        // memory is aligned like its file offset (head and tail buffered, middle direct); then one whose memory is not
        // (copied); then runs after a gap; then one shorter than a page (buffered).
        long offset = 0;
        for (var i = 0; i < 18; i++, offset += BlockBytes)
            WriteBlock(writer, data, expected, offset, 0, BlockBytes);
        WriteBlock(writer, data, expected, offset + 1024, 1024, BlockBytes - 3000);
        WriteBlock(writer, data, expected, (6L << 20) + 4096, 100, 200_000);
        for (var at = 9L << 20; at < 11L << 20; at += BlockBytes)
            WriteBlock(writer, data, expected, at, 0, BlockBytes);
        WriteBlock(writer, data, expected, (12L << 20) + 512, 512, 1000);
        writer.Drain();
        buffered.Dispose();
        var written = File.ReadAllBytes(path);
        Assert.Equal((12L << 20) + 512 + 1000, written.Length);
        Assert.True(expected.AsSpan(0, written.Length).SequenceEqual(written), $"file differs from what was written at byte {FirstDifference(expected, written)}");
    }

    [Fact]
    public void A_block_whose_write_is_running_is_not_handed_out_again()
    {
        var path = Path.Combine(_dir, "data");
        using var buffered = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        using var writer = DirectWriter.TryOpen(path, buffered);
        if (writer is null)
            return;
        var data = TestData.Bytes(8 << 20, 12);
        for (var at = 0; at < data.Length; at += BlockBytes)
        {
            var block = AlignedBlock.Rent(BlockBytes);
            data.AsSpan(at, BlockBytes).CopyTo(block.GetSpan());
            writer.WriteFrom(at, block.Memory, block);
            // The borrower is done at once; whoever gets a block next scribbles over it at once.
            ((IDisposable)block).Dispose();
            var next = AlignedBlock.Rent(BlockBytes);
            next.GetSpan().Fill(0xEE);
            ((IDisposable)next).Dispose();
        }
        writer.Drain();
        buffered.Dispose();
        Assert.Equal(data, File.ReadAllBytes(path));
    }

    private static void WriteBlock(DirectWriter writer, byte[] data, byte[] expected, long offset, int startInBlock, int length)
    {
        var block = AlignedBlock.Rent(BlockBytes);
        data.AsSpan((int)offset, length).CopyTo(block.GetSpan()[startInBlock..]);
        data.AsSpan((int)offset, length).CopyTo(expected.AsSpan((int)offset));
        writer.WriteFrom(offset, block.Memory.Slice(startInBlock, length), block);
        ((IDisposable)block).Dispose();
    }

    private static int FirstDifference(byte[] expected, byte[] written)
    {
        var n = Math.Min(expected.Length, written.Length);
        for (var i = 0; i < n; i++)
            if (expected[i] != written[i])
                return i;
        return n;
    }
}
