using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// Incremental decoder of a verified range stream (bao-tree's <c>ResponseDecoder</c>): walks the tree for the
/// requested ranges with a stack of expected hashes and hands out each parent and leaf only after it
/// verified against the root. Failures are <see cref="BaoVerificationException"/>s naming the node or chunk.
/// </summary>
public sealed class ResponseDecoder : IDisposable
{
    private readonly EncodedSource _source;
    private readonly ResponseWalk _walk;
    private readonly Hash[] _expected = new Hash[70];
    private byte[] _buffer;
    private int _depth;

    internal ResponseDecoder(Hash root, BaoTree tree, ChunkRanges ranges, EncodedSource source, string? where)
    {
        _source = source;
        _walk = new ResponseWalk(tree, ranges);
        _buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(64, tree.BlockSize.Bytes));
        _expected[_depth++] = root;
        Root = root;
        Where = where;
    }

    /// <summary>Decodes the stream <paramref name="input"/> (no size header: the caller read it) for a blob with hash <paramref name="root"/>.</summary>
    /// <param name="root">The trusted root hash.</param>
    /// <param name="tree">The size (as claimed by the sender) and chunk-group size.</param>
    /// <param name="ranges">The ranges requested; they are truncated against the size.</param>
    /// <param name="input">The encoded stream.</param>
    /// <param name="where">Where the stream comes from (a peer, a file), for error messages.</param>
    public ResponseDecoder(Hash root, BaoTree tree, ChunkRanges ranges, Stream input, string? where = null)
        : this(root, tree, ranges, new StreamEncodedSource(input, where), where)
    {
    }

    /// <summary>The trusted root hash.</summary>
    public Hash Root { get; }

    /// <summary>The tree being decoded.</summary>
    public BaoTree Tree => _walk.Tree;

    /// <summary>The canonical ranges being decoded.</summary>
    public ChunkRanges Ranges => _walk.Ranges;

    /// <summary>Where the stream comes from, for error messages.</summary>
    public string? Where { get; }

    /// <summary>Reads and verifies the next item; null when the walk is complete (the stream may hold more: the next blob).</summary>
    public async ValueTask<EncodedItem?> NextAsync(CancellationToken cancellationToken = default)
    {
        if (!_walk.TryNext(out var chunk))
            return null;
        var length = chunk.Kind == BaoChunkKind.Parent ? 64 : chunk.Size;
        var memory = _buffer.AsMemory(0, length);
        await _source.ReadAsync(chunk, memory, cancellationToken).ConfigureAwait(false);
        return Verify(chunk, memory);
    }

    /// <summary>Reads and verifies the next item synchronously; false when the walk is complete.</summary>
    public bool TryNext(out EncodedItem item)
    {
        if (!_walk.TryNext(out var chunk))
        {
            item = default;
            return false;
        }
        var length = chunk.Kind == BaoChunkKind.Parent ? 64 : chunk.Size;
        var memory = _buffer.AsMemory(0, length);
        _source.Read(chunk, memory.Span);
        item = Verify(chunk, memory);
        return true;
    }

    /// <summary>
    /// Decodes everything, writing verified leaves into <paramref name="target"/> at their offsets (a
    /// non-seekable target must receive them in order) and stored parents into <paramref name="outboard"/>.
    /// Leaves are read ahead in batches of a few MiB and verified in parallel, while the next batch is read;
    /// nothing of a batch is written before it verified, and on a failure everything before the failing
    /// item is written first.
    /// </summary>
    public async Task DecodeIntoAsync(Stream? target, IOutboardWriter? outboard = null, CancellationToken cancellationToken = default)
    {
        using var pipeline = new BatchPipeline(BatchCapacity);
        long written = 0;
        while (_walk.TryNext(out var chunk))
        {
            var length = chunk.Kind == BaoChunkKind.Parent ? 64 : chunk.Size;
            if (!pipeline.Current.HasRoomFor(length))
            {
                if (pipeline.TakePrevious() is { } previous)
                    written = await WriteAsync(previous.Batch, await previous.Verified.ConfigureAwait(false), target, outboard, written, cancellationToken).ConfigureAwait(false);
                pipeline.StartVerifying();
            }
            try
            {
                await _source.ReadAsync(chunk, pipeline.Current.Reserve(length), cancellationToken).ConfigureAwait(false);
                Admit(pipeline.Current, chunk);
            }
            catch (BaoVerificationException)
            {
                // Everything before this item may still be good: write what verifies, then report.
                await DrainAsync(pipeline, target, outboard, written, cancellationToken).ConfigureAwait(false);
                throw;
            }
        }
        await DrainAsync(pipeline, target, outboard, written, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Synchronous <see cref="DecodeIntoAsync"/>.</summary>
    public void DecodeInto(Stream? target, IOutboardWriter? outboard = null) =>
        DecodeIntoAsync(target, outboard).GetAwaiter().GetResult();

    private int BatchCapacity => (int)Math.Max(4 << 20, Tree.BlockSize.Bytes + 64);

    // Writes what is still in flight, in order: the batch being verified, then the one being filled.
    private async Task DrainAsync(BatchPipeline pipeline, Stream? target, IOutboardWriter? outboard, long written, CancellationToken cancellationToken)
    {
        if (pipeline.TakePrevious() is { } previous)
            written = await WriteAsync(previous.Batch, await previous.Verified.ConfigureAwait(false), target, outboard, written, cancellationToken).ConfigureAwait(false);
        await WriteAsync(pipeline.Current, pipeline.Current.Verify(), target, outboard, written, cancellationToken).ConfigureAwait(false);
    }

    // A parent is verified at once (its CVs are the expected hashes of what follows); a leaf joins the batch.
    private void Admit(LeafBatch batch, BaoChunk chunk)
    {
        var bytes = batch.Reserve(chunk.Kind == BaoChunkKind.Parent ? 64 : chunk.Size);
        if (chunk.Kind == BaoChunkKind.Parent)
        {
            Verify(chunk, bytes);
            batch.AddParent(chunk);
        }
        else
        {
            batch.AddLeaf(chunk, _expected[--_depth]);
        }
    }

    private async ValueTask<long> WriteAsync(LeafBatch batch, int failed, Stream? target, IOutboardWriter? outboard, long written, CancellationToken cancellationToken)
    {
        var end = failed < 0 ? batch.Count : failed;
        for (var i = 0; i < end; i++)
        {
            var (chunk, bytes) = batch[i];
            if (chunk.Kind == BaoChunkKind.Parent)
                outboard?.Save(chunk.Node, HashPair.Read(bytes.Span));
            else if (target is not null)
            {
                written = Position(target, chunk.Offset, written);
                await target.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                written += bytes.Length;
            }
        }
        if (failed >= 0)
            throw new BaoVerificationException(BaoFailure.Mismatch, batch[failed].Chunk, Where);
        batch.Clear();
        return written;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private static long Position(Stream target, ulong offset, long written)
    {
        if (target.CanSeek)
        {
            target.Position = (long)offset;
            return (long)offset;
        }
        if ((ulong)written != offset)
            throw new InvalidOperationException($"target stream cannot seek from {written} to leaf offset {offset}; decode whole ranges in order or use a seekable target");
        return written;
    }

    private EncodedItem Verify(BaoChunk chunk, Memory<byte> bytes)
    {
        var expected = _expected[--_depth];
        if (chunk.Kind == BaoChunkKind.Parent)
        {
            var pair = HashPair.Read(bytes.Span);
            if (pair.ParentCv(chunk.IsRoot) != expected)
                throw new BaoVerificationException(BaoFailure.Mismatch, chunk, Where);
            if (chunk.Right)
                _expected[_depth++] = pair.Right;
            if (chunk.Left)
                _expected[_depth++] = pair.Left;
        }
        else if (Subtree.HashSubtree(chunk.StartChunk.Value, bytes.Span, chunk.IsRoot) != expected)
        {
            throw new BaoVerificationException(BaoFailure.Mismatch, chunk, Where);
        }
        return new EncodedItem(chunk, bytes);
    }
}
