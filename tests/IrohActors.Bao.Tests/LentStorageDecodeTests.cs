using System.Buffers;
using System.Runtime.InteropServices;

namespace IrohActors.Bao.Tests;

/// <summary>
/// A target that lends the decoder its leaf storage (<see cref="ILeafStorageTarget"/>, how the store's writer gets
/// verified leaves written from where they were verified): every run it is given lies in storage it lent and holds
/// verified bytes, which stay untouched until the storage comes back (the target reads them only then, as a
/// write-behind device write would); every storage comes back exactly once, also after a failure; the stream
/// writes of the target are never used.
/// </summary>
public class LentStorageDecodeTests
{
    [Fact]
    public async Task Whole_and_ranged_decodes_write_every_verified_byte_from_lent_storage()
    {
        var data = TestData.Random(9_000_000, 41);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        // Whole, and ranges that start and end inside groups (runs of single chunks, unaligned in the storage).
        var partial = ChunkRanges.Range(3, 700) | ChunkRanges.Range(1000, 1001) | ChunkRanges.Range(2000, 8700);
        foreach (var ranges in new[] { ChunkRanges.All, partial })
        {
            var encoded = PropertyTests.Encode(data, outboard, ranges);
            var target = new LendingTarget(data.Length);
            using (var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ranges, new MemoryStream(encoded)))
                await decoder.DecodeIntoAsync(target);
            target.AssertAllReturned();
            var expected = new byte[data.Length];
            foreach (var (start, end) in Spans(ranges, (ulong)data.Length))
                data.AsSpan(start, end - start).CopyTo(expected.AsSpan(start));
            Assert.Equal(expected, target.Result);
            Assert.True(target.Rented > 1, "the decode should have used several units");
        }
    }

    [Fact]
    public void A_bad_leaf_leaves_exactly_the_verified_prefix_written_and_every_storage_returned()
    {
        var data = TestData.Random(12_000_000, 42);
        var outboard = PreOrderOutboard.Create(data, BlockSize.Default);
        var encoded = PropertyTests.Encode(data, outboard, ChunkRanges.All);
        var items = ResponseWalk.Collect(outboard.Tree, ChunkRanges.All);
        long at = 0;
        BaoChunk bad = default;
        foreach (var item in items)
        {
            if (item.Kind == BaoChunkKind.Leaf && (long)item.Offset + item.Size > 5_000_000)
            {
                bad = item;
                break;
            }
            at += item.Kind == BaoChunkKind.Parent ? 64 : item.Size;
        }
        var corrupt = TestData.Flip(encoded, (int)at + 9);
        for (var run = 0; run < 3; run++)
        {
            var target = new LendingTarget(data.Length);
            using var decoder = new ResponseDecoder(outboard.Root, outboard.Tree, ChunkRanges.All, new MemoryStream(corrupt));
            var ex = Assert.Throws<BaoVerificationException>(() => decoder.DecodeInto(target));
            Assert.Equal(bad.StartChunk, ex.Chunk);
            target.AssertAllReturned();
            Assert.True(target.Result.AsSpan(0, (int)bad.Offset).SequenceEqual(data.AsSpan(0, (int)bad.Offset)), "verified prefix not written");
            Assert.True(target.Result.AsSpan((int)bad.Offset).IndexOfAnyExcept((byte)0) < 0, "bytes at or after the bad leaf were written");
        }
    }

    private static IEnumerable<(int Start, int End)> Spans(ChunkRanges ranges, ulong size)
    {
        foreach (var (start, end) in ranges.Ranges())
        {
            var from = Math.Min(size, start * 1024);
            var to = Math.Min(size, end is { } e ? e * 1024 : size);
            if (to > from)
                yield return ((int)from, (int)to);
        }
    }

    // Lends arrays (tracked), checks each run lies in lent, unreturned storage, and copies the runs into Result only
    // when their storage comes back (so a decoder that reused storage early would be caught).
    private sealed class LendingTarget(int size) : Stream, ILeafStorageTarget
    {
        private readonly object _lock = new();
        private readonly Dictionary<IMemoryOwner<byte>, List<(ulong Offset, ReadOnlyMemory<byte> Bytes)>> _lent = [];
        private readonly HashSet<IMemoryOwner<byte>> _returned = [];
        private int _writers;

        public byte[] Result { get; } = new byte[size];

        public int Rented { get; private set; }

        public IMemoryOwner<byte> RentLeafStorage(int minimumBytes)
        {
            var storage = new Lent(minimumBytes);
            lock (_lock)
            {
                _lent.Add(storage, []);
                Rented++;
            }
            return storage;
        }

        public ValueTask WriteLeavesAsync(ulong offset, ReadOnlyMemory<byte> verified, IMemoryOwner<byte> storage, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _writers) != 1)
                throw new InvalidOperationException("overlapping writes");
            try
            {
                lock (_lock)
                {
                    Assert.True(_lent.TryGetValue(storage, out var runs), "run from storage that was not lent");
                    Assert.DoesNotContain(storage, _returned);
                    Assert.True(MemoryMarshal.TryGetArray(verified, out var segment) && MemoryMarshal.TryGetArray<byte>(storage.Memory, out var whole) && segment.Array == whole.Array,
                        "run does not lie in its storage");
                    runs!.Add((offset, verified));
                }
                return ValueTask.CompletedTask;
            }
            finally
            {
                Interlocked.Decrement(ref _writers);
            }
        }

        public void ReturnLeafStorage(IMemoryOwner<byte> storage)
        {
            lock (_lock)
            {
                Assert.True(_lent.TryGetValue(storage, out var runs), "storage returned that was not lent");
                Assert.True(_returned.Add(storage), "storage returned twice");
                foreach (var (offset, bytes) in runs!)
                    bytes.Span.CopyTo(Result.AsSpan((int)offset));
            }
        }

        public void AssertAllReturned()
        {
            lock (_lock)
                Assert.Equal(_lent.Count, _returned.Count);
        }

        public override bool CanRead => false;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => Result.Length;
        public override long Position { get; set; }
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("stream write used; runs must come through WriteLeavesAsync");
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => Position = offset;
        public override void SetLength(long value) => throw new NotSupportedException();

        private sealed class Lent(int length) : IMemoryOwner<byte>
        {
            private readonly byte[] _array = new byte[length];

            public Memory<byte> Memory => _array;

            public void Dispose()
            {
            }
        }
    }
}
