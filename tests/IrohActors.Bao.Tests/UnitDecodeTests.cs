namespace IrohActors.Bao.Tests;

/// <summary>
/// Decoding from a stream in units claimed by several threads: the first failure in stream order is reported
/// whichever thread finds its unit bad first, the outboard gets exactly the parents before it, a stream target
/// exactly the leaves before it (in order, one write at a time), and no unverified byte stays in a memory target
/// (also after cancellation).
/// </summary>
public class UnitDecodeTests
{
    private const byte Fill = 0xAA;

    [Fact]
    public void The_earliest_of_two_bad_leaves_is_reported_and_only_its_prefix_kept()
    {
        var data = TestData.Random(12_000_000, 31);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        var items = ResponseWalk.Collect(outboard.Tree, ChunkRanges.All);
        var (earlyAt, early) = LeafContaining(items, 1_500_000);
        var (lateAt, _) = LeafContaining(items, 9_000_000);
        var corrupt = TestData.Flip(TestData.Flip(encoded, (int)lateAt + 5), (int)earlyAt + 7);
        // Several runs: the threads' timing differs, the answer must not.
        for (var run = 0; run < 5; run++)
        {
            var target = Filled(data.Length);
            var saved = new RecordingOutboard();
            using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(corrupt));
            var ex = Assert.Throws<BaoVerificationException>(() => decoder.DecodeIntoMemory(target, saved));
            Assert.Equal(BaoFailure.Mismatch, ex.Failure);
            Assert.Equal(early.StartChunk, ex.Chunk);
            var verified = (int)early.Offset;
            Assert.True(target.AsSpan(0, verified).SequenceEqual(data.AsSpan(0, verified)), "verified prefix not delivered");
            AssertNoData(target, verified);
            // The outboard got every parent before the bad leaf, and none after it.
            var before = items.TakeWhile(item => item != early).Where(item => item.Kind == BaoChunkKind.Parent).Select(item => item.Node).ToHashSet();
            Assert.Equal(before.OrderBy(n => n.Value), saved.Nodes.OrderBy(n => n.Value));
        }
    }

    [Fact]
    public async Task A_stream_target_gets_exactly_the_verified_prefix_in_order_one_write_at_a_time()
    {
        var data = TestData.Random(12_000_000, 34);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        // Whole: a non-seekable target receives every byte in order.
        var sink = new AppendOnlyStream();
        using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(encoded)))
            await decoder.DecodeIntoAsync(sink);
        Assert.Equal(data, sink.Bytes.ToArray());
        // Two bad leaves: the earlier one is reported, and the target holds exactly what came before it.
        var items = ResponseWalk.Collect(outboard.Tree, ChunkRanges.All);
        var (earlyAt, early) = LeafContaining(items, 2_500_000);
        var (lateAt, _) = LeafContaining(items, 10_000_000);
        var corrupt = TestData.Flip(TestData.Flip(encoded, (int)lateAt + 3), (int)earlyAt + 11);
        for (var run = 0; run < 3; run++)
        {
            sink = new AppendOnlyStream();
            using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(corrupt));
            var ex = Assert.Throws<BaoVerificationException>(() => decoder.DecodeInto(sink));
            Assert.Equal(early.StartChunk, ex.Chunk);
            Assert.Equal(data[..(int)early.Offset], sink.Bytes.ToArray());
        }
    }

    [Fact]
    public void A_stream_cut_inside_an_early_unit_is_missing_at_the_group_where_it_ends()
    {
        var data = TestData.Random(6_000_000, 32);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        var items = ResponseWalk.Collect(outboard.Tree, ChunkRanges.All);
        var (cutAt, cutLeaf) = LeafContaining(items, 700_000);
        var target = Filled(data.Length);
        using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(encoded[..(int)(cutAt + 100)]));
        var ex = Assert.Throws<BaoVerificationException>(() => decoder.DecodeIntoMemory(target));
        Assert.Equal(BaoFailure.Missing, ex.Failure);
        Assert.Equal(cutLeaf.StartChunk, ex.Chunk);
        Assert.True(target.AsSpan(0, (int)cutLeaf.Offset).SequenceEqual(data.AsSpan(0, (int)cutLeaf.Offset)));
        AssertNoData(target, (int)cutLeaf.Offset);
    }

    [Fact]
    public async Task A_trickling_stream_decodes_and_cancellation_leaves_no_unverified_bytes()
    {
        var data = TestData.Random(3_000_000, 33);
        var outboard = PreOrderOutboard.Create(data, BlockSize.FromChunkLog(2));
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        var target = Filled(data.Length);
        using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new TricklingStream(encoded, null)))
            await decoder.DecodeIntoMemoryAsync(target);
        Assert.Equal(data, target);

        using var cancel = new CancellationTokenSource();
        target = Filled(data.Length);
        using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new TricklingStream(encoded, () => cancel.Cancel())))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => decoder.DecodeIntoMemoryAsync(target, null, cancel.Token));
        // Whatever arrived before the cancellation may have verified; the rest must hold no data.
        var kept = 0;
        while (kept < data.Length && target[kept] == data[kept])
            kept++;
        Assert.True(kept < data.Length, "cancelled half way, yet everything arrived");
        AssertNoData(target, kept);
    }

    // The stream offset of the leaf holding data byte `offset`, and the leaf.
    private static (long At, BaoChunk Leaf) LeafContaining(List<BaoChunk> items, long offset)
    {
        long at = 0;
        foreach (var item in items)
        {
            if (item.Kind == BaoChunkKind.Leaf && (long)item.Offset <= offset && offset < (long)item.Offset + item.Size)
                return (at, item);
            at += item.Kind == BaoChunkKind.Parent ? 64 : item.Size;
        }
        throw new ArgumentOutOfRangeException(nameof(offset));
    }

    private static byte[] Filled(int length)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, Fill);
        return bytes;
    }

    private static void AssertNoData(byte[] target, int from)
    {
        for (var i = from; i < target.Length; i++)
            Assert.True(target[i] == Fill || target[i] == 0, $"unverified byte {target[i]:x2} left at offset {i}");
    }

    // A non-seekable target that fails on overlapping writes (the decoder commits from one thread at a time).
    private sealed class AppendOnlyStream : Stream
    {
        private int _writers;

        public MemoryStream Bytes { get; } = new();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Interlocked.Increment(ref _writers) != 1)
                throw new InvalidOperationException("overlapping writes");
            Thread.SpinWait(50);
            Bytes.Write(buffer);
            Interlocked.Decrement(ref _writers);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class RecordingOutboard : IOutboardWriter
    {
        public List<TreeNode> Nodes { get; } = [];

        public void Save(TreeNode node, in HashPair pair)
        {
            lock (Nodes)
                Nodes.Add(node);
        }
    }

    // Hands out at most 3000 bytes per read, yielding in between (like a network stream); calls `halfway` once
    // when half of it has been read.
    private sealed class TricklingStream(byte[] bytes, Action? halfway) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            return Read(buffer.Span);
        }

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, 3000), bytes.Length - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer);
            var before = _position;
            _position += n;
            if (before < bytes.Length / 2 && _position >= bytes.Length / 2)
                halfway?.Invoke();
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
