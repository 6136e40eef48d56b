using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store.Backends;

namespace IrohActors.Store;

/// <summary>
/// Writes verified items of one partial blob. Chunks are tracked as they are written; only whole chunk groups
/// (plus the short last group) can be proved with a group-level outboard, so only those are recorded, and only
/// after the data and outboard were fsynced. When every chunk is present the blob is promoted to complete.
/// One caller at a time; status queries from other threads are safe.
/// </summary>
internal sealed class BlobWriter : IBlobWriter
{
    private readonly StoreEngine _engine;
    private readonly int _flushBytes;
    private readonly object _lock = new();
    private IPartialStorage? _storage;
    private ChunkRanges _present;
    // Written, but not yet readable from the data file (write-behind device writes): present after the next sync.
    private ChunkRanges _landing;
    private bool _sizeProved;
    private long _unflushed;
    private bool _closed;

    internal BlobWriter(StoreEngine engine, Hash hash, BaoTree tree, IPartialStorage? storage, ChunkRanges known, bool sizeProved)
    {
        _engine = engine;
        Hash = hash;
        Tree = tree;
        _storage = storage;
        _present = known;
        _sizeProved = sizeProved;
        _flushBytes = Math.Max(1, engine.Options.WriterFlushBytes);
        IsComplete = storage is null;
    }

    internal static BlobWriter ForComplete(StoreEngine engine, Hash hash, BaoTree tree) => new(engine, hash, tree, null, ChunkRanges.Empty, true) { _closed = true };

    public Hash Hash { get; }

    public BaoTree Tree { get; }

    public bool IsComplete { get; private set; }

    /// <summary>
    /// The provable chunk ranges a reader can read now (durable or not; bytes still on their way to the file are
    /// not included until they land) and whether the size is proved.
    /// </summary>
    internal (ChunkRanges Ranges, bool SizeProved) Present
    {
        get
        {
            lock (_lock)
                return (Provable(_present, Tree), _sizeProved);
        }
    }

    public async ValueTask WriteAsync(EncodedItem item, CancellationToken cancellationToken = default)
    {
        if (IsComplete)
            return;
        var storage = _storage ?? throw new ObjectDisposedException($"writer of blob {Hash}");
        var chunk = item.Chunk;
        if (chunk.Kind == BaoChunkKind.Parent)
        {
            if (Tree.IsStored(chunk.Node))
                storage.WritePair(chunk.Node, item.Pair);
            return;
        }
        if (item.Bytes.Length != chunk.Size || chunk.Offset + (ulong)chunk.Size > Tree.Size)
            throw new ArgumentException($"blob {Hash}: {chunk} with {item.Bytes.Length} bytes does not fit {Tree}", nameof(item));
        var readable = storage.WriteLeaf(chunk.Offset, item.Bytes.Span);
        var chunks = Math.Max(1UL, ChunkNum.Chunks((ulong)chunk.Size).Value);
        lock (_lock)
        {
            Mark(ChunkRanges.Range(chunk.StartChunk.Value, chunk.StartChunk.Value + chunks), readable);
            if (chunk.Offset + (ulong)chunk.Size == Tree.Size)
                _sizeProved = true;
        }
        _unflushed += Math.Max(1, chunk.Size);
        if (_unflushed >= _flushBytes || Provable(_present | _landing, Tree) == MemoryBackend.FullRanges(Tree.Size))
            await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The batched path: the decoder reads batches of several MiB, verifies each (across cores) and hands out
    /// contiguous runs of verified leaves, which go straight into the data file with one large write each, and
    /// the verified parents of the batch into the outboard. Progress is made durable (fsync, then the ranges
    /// record) at most once per <see cref="CheckpointInterval"/> and at the end, not per group or per few MiB.
    /// </summary>
    public async Task WriteAllAsync(ResponseDecoder decoder, CancellationToken cancellationToken = default)
    {
        if (decoder.Root != Hash || decoder.Tree != Tree)
            throw new ArgumentException($"decoder is for {decoder.Root} ({decoder.Tree}), this writer for {Hash} ({Tree})", nameof(decoder));
        if (IsComplete)
        {
            // Already here: the stream still has to be consumed (and verified) to reach what follows it.
            await decoder.DecodeIntoAsync(null, null, cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            using var target = new VerifiedRunTarget(this);
            await decoder.DecodeIntoAsync(target, target, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Keep whatever verified before a failure or cancellation.
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>How often the batched path (<see cref="WriteAllAsync"/>) makes its progress durable while it runs.</summary>
    internal static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>Writes a run of verified leaf bytes at <paramref name="offset"/> and marks its chunks present.</summary>
    private void WriteRun(ulong offset, ReadOnlySpan<byte> bytes)
    {
        var storage = _storage ?? throw new ObjectDisposedException($"writer of blob {Hash}");
        CheckRun(offset, bytes.Length);
        MarkRun(offset, bytes.Length, bytes.Length == 0 || storage.WriteLeaf(offset, bytes));
    }

    /// <summary>Writes a run of verified leaf bytes lying in <paramref name="lent"/> (lent to the decoder by <see cref="VerifiedRunTarget"/>) from where they are, and marks its chunks present.</summary>
    private void WriteRun(ulong offset, ReadOnlyMemory<byte> bytes, System.Buffers.IMemoryOwner<byte> lent)
    {
        var storage = _storage ?? throw new ObjectDisposedException($"writer of blob {Hash}");
        CheckRun(offset, bytes.Length);
        MarkRun(offset, bytes.Length, bytes.Length == 0 || storage.WriteLeaf(offset, bytes, lent));
    }

    private void CheckRun(ulong offset, int length)
    {
        if (offset + (ulong)length > Tree.Size || offset % ChunkNum.ChunkLen != 0)
            throw new ArgumentException($"blob {Hash}: a run of {length} bytes at offset {offset} does not fit {Tree}");
    }

    // Chunks just written become present now (readable) or after the next sync (on their way to the file).
    private void MarkRun(ulong offset, int length, bool readable)
    {
        var end = offset + (ulong)length;
        var startChunk = offset / ChunkNum.ChunkLen;
        var endChunk = Math.Max(startChunk + 1, ChunkNum.Chunks((ulong)length).Value + startChunk);
        lock (_lock)
        {
            Mark(ChunkRanges.Range(startChunk, endChunk), readable);
            if (end == Tree.Size)
                _sizeProved = true;
        }
    }

    /// <summary>
    /// The decoder's seekable target and outboard sink for one <see cref="WriteAllAsync"/>: receives only verified bytes
    /// and pairs. It lends the decoder's units their leaf storage (aligned blocks where the data file takes direct
    /// writes), so verified runs are written from where they were read and verified, not copied again.
    /// </summary>
    private sealed class VerifiedRunTarget(BlobWriter writer) : Stream, IOutboardWriter, ILeafStorageTarget
    {
        private readonly System.Diagnostics.Stopwatch _sinceCheckpoint = System.Diagnostics.Stopwatch.StartNew();

        public override bool CanRead => false;

        public override bool CanSeek => true;

        public override bool CanWrite => true;

        public override long Length => (long)writer.Tree.Size;

        public override long Position { get; set; }

        public void Save(TreeNode node, in HashPair pair)
        {
            if (writer.Tree.IsStored(node))
                (writer._storage ?? throw new ObjectDisposedException($"writer of blob {writer.Hash}")).WritePair(node, pair);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            writer.WriteRun((ulong)Position, buffer);
            Position += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public System.Buffers.IMemoryOwner<byte> RentLeafStorage(int minimumBytes) =>
            writer._storage is { } storage ? storage.RentLeafStorage(minimumBytes) : System.Buffers.MemoryPool<byte>.Shared.Rent(minimumBytes);

        public async ValueTask WriteLeavesAsync(ulong offset, ReadOnlyMemory<byte> verified, System.Buffers.IMemoryOwner<byte> storage, CancellationToken cancellationToken)
        {
            writer.WriteRun(offset, verified, storage);
            Position = (long)offset + verified.Length;
            await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        }

        public void ReturnLeafStorage(System.Buffers.IMemoryOwner<byte> storage) => storage.Dispose();

        // Progress made durable about once a CheckpointInterval while the decode runs.
        private async ValueTask CheckpointAsync(CancellationToken cancellationToken)
        {
            if (_sinceCheckpoint.Elapsed >= CheckpointInterval)
            {
                _sinceCheckpoint.Restart();
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => Length + offset,
        };

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    // Under _lock: chunks just written become present now, or once their write landed (the next sync).
    private void Mark(ChunkRanges written, bool readable)
    {
        if (readable)
            _present |= written;
        else
            _landing |= written;
    }

    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (IsComplete || _storage is null)
            return Task.CompletedTask;
        ChunkRanges ranges;
        ChunkRanges landed;
        bool proved;
        lock (_lock)
        {
            landed = _landing;
            ranges = Provable(_present | landed, Tree);
            proved = _sizeProved;
        }
        // Data and outboard reach the disk before the ranges that describe them are recorded.
        _storage.Sync();
        lock (_lock)
        {
            // Every write before the sync is in the file now: readers may read it.
            _present |= landed;
            _landing -= landed;
        }
        _engine.RecordRanges(Hash, proved, ranges);
        _unflushed = 0;
        if (proved && ranges == MemoryBackend.FullRanges(Tree.Size))
        {
            _storage.Dispose();
            _storage = null;
            IsComplete = true;
            _engine.Promote(Hash, Tree);
        }
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_closed)
            return;
        _closed = true;
        try
        {
            await FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _storage?.Dispose();
            _storage = null;
            _engine.WriterClosed(this);
        }
    }

    /// <summary>The chunk ranges a group-level outboard can prove: whole groups, and the short last group.</summary>
    internal static ChunkRanges Provable(ChunkRanges present, BaoTree tree)
    {
        var chunks = Math.Max(1UL, tree.Chunks.Value);
        var g = tree.BlockSize.Chunks;
        var result = present.FullGroups(tree.BlockSize);
        var lastStart = (chunks - 1) / g * g;
        if (present.Covers(lastStart, chunks))
            result |= ChunkRanges.Range(lastStart, chunks);
        return result & ChunkRanges.Range(0, chunks);
    }
}
