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

    /// <summary>The provable chunk ranges written so far (durable or not) and whether the size is proved.</summary>
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
        storage.WriteLeaf(chunk.Offset, item.Bytes.Span);
        var chunks = Math.Max(1UL, ChunkNum.Chunks((ulong)chunk.Size).Value);
        lock (_lock)
        {
            _present |= ChunkRanges.Range(chunk.StartChunk.Value, chunk.StartChunk.Value + chunks);
            if (chunk.Offset + (ulong)chunk.Size == Tree.Size)
                _sizeProved = true;
        }
        _unflushed += Math.Max(1, chunk.Size);
        if (_unflushed >= _flushBytes || Provable(_present, Tree) == MemoryBackend.FullRanges(Tree.Size))
            await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteAllAsync(ResponseDecoder decoder, CancellationToken cancellationToken = default)
    {
        if (decoder.Root != Hash || decoder.Tree != Tree)
            throw new ArgumentException($"decoder is for {decoder.Root} ({decoder.Tree}), this writer for {Hash} ({Tree})", nameof(decoder));
        try
        {
            while (await decoder.NextAsync(cancellationToken).ConfigureAwait(false) is { } item)
                await WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Keep whatever verified before a failure or cancellation.
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (IsComplete || _storage is null)
            return Task.CompletedTask;
        ChunkRanges ranges;
        bool proved;
        lock (_lock)
        {
            ranges = Provable(_present, Tree);
            proved = _sizeProved;
        }
        // Data and outboard reach the disk before the ranges that describe them are recorded.
        _storage.Sync();
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
