using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// Incremental decoder of a verified range stream (bao-tree's <c>ResponseDecoder</c>): walks the tree for the
/// requested ranges with a stack of expected hashes and hands out each parent and leaf only after it
/// verified against the root. Failures are <see cref="BaoVerificationException"/>s naming the node or chunk.
/// </summary>
public sealed partial class ResponseDecoder : IDisposable
{
    private readonly EncodedSource _source;
    private readonly ResponseWalk _walk;
    private readonly Hash[] _expected;
    private byte[] _buffer;
    private int _depth;

    internal ResponseDecoder(Hash root, BaoTree tree, ChunkRanges ranges, EncodedSource source, string? where)
    {
        _source = source;
        _walk = new ResponseWalk(tree, ranges);
        // At most one expected hash waits per level, as in the walk's frames (70 were 2 KiB per decoder, and a tree of
        // small files decodes one per file of more than one group).
        _expected = new Hash[ResponseWalk.Height(tree) + 2];
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

    /// <summary>
    /// Decodes from a pipe (no size header: the caller read it); items are consumed from the pipe as they are read,
    /// so afterwards the reader is positioned just after the blob.
    /// </summary>
    /// <param name="root">The trusted root hash.</param>
    /// <param name="tree">The size (as claimed by the sender) and chunk-group size.</param>
    /// <param name="ranges">The ranges requested; they are truncated against the size.</param>
    /// <param name="input">The encoded stream as a pipe.</param>
    /// <param name="where">Where the stream comes from (a peer, a file), for error messages.</param>
    public ResponseDecoder(Hash root, BaoTree tree, ChunkRanges ranges, System.IO.Pipelines.PipeReader input, string? where = null)
        : this(root, tree, ranges, new PipeEncodedSource(input, where), where)
    {
    }

    /// <summary>
    /// Decodes an encoded stream held in memory (no size header). <see cref="DecodeIntoMemory"/> then moves every
    /// leaf byte once, on the verifying threads, right before hashing it; <see cref="Consumed"/> tells where the
    /// blob's encoding ended.
    /// </summary>
    /// <param name="root">The trusted root hash.</param>
    /// <param name="tree">The size (as claimed by the sender) and chunk-group size.</param>
    /// <param name="ranges">The ranges requested; they are truncated against the size.</param>
    /// <param name="encoded">The encoded stream (it may continue past this blob).</param>
    /// <param name="where">Where the stream comes from, for error messages.</param>
    public ResponseDecoder(Hash root, BaoTree tree, ChunkRanges ranges, ReadOnlyMemory<byte> encoded, string? where = null)
        : this(root, tree, ranges, new MemoryEncodedSource(encoded, where), where)
    {
    }

    /// <summary>Bytes of an in-memory encoding read so far (null when decoding from a stream or pipe).</summary>
    public int? Consumed => (_source as MemoryEncodedSource)?.Position;

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
    /// The stream is read in units of a few hundred KiB that every core claims in turn and verifies from its
    /// cache; units are committed in stream order, one thread at a time (so <paramref name="target"/> and
    /// <paramref name="outboard"/> see no concurrent calls, though not always from the calling thread). Nothing
    /// of a unit is written before it verified, and on a failure everything before the failing item is written first.
    /// A target that is also an <see cref="ILeafStorageTarget"/> lends the units their leaf storage and gets the
    /// verified runs from there (<see cref="ILeafStorageTarget.WriteLeavesAsync"/> instead of the stream's writes).
    /// </summary>
    public Task DecodeIntoAsync(Stream? target, IOutboardWriter? outboard = null, CancellationToken cancellationToken = default) =>
        DecodeAsync(target, null, outboard, false, cancellationToken);

    /// <summary>Synchronous <see cref="DecodeIntoAsync"/>.</summary>
    public void DecodeInto(Stream? target, IOutboardWriter? outboard = null) =>
        DecodeAsync(target, null, outboard, true, default).GetAwaiter().GetResult();

    /// <summary>
    /// Decodes everything into memory: each leaf is read straight to its offset in <paramref name="target"/>
    /// and verified there, from the cache of the core that read it (units of a few hundred KiB claimed by every
    /// core in turn), so no byte is copied twice. Stored parents go to <paramref name="outboard"/> (in stream
    /// order, one call at a time, not always from the calling thread). The decoded ranges of the target are
    /// scratch until the call returns: they hold bytes not yet verified while it runs, and when it throws,
    /// every leaf that did not verify is zeroed, so afterwards the target never holds an unverified byte.
    /// </summary>
    /// <param name="target">At least <see cref="BaoTree.Size"/> bytes (the blob's byte offsets index it).</param>
    /// <param name="outboard">Receives the verified stored parents, or null.</param>
    /// <param name="cancellationToken">Stops the decode (unverified leaves are zeroed as for a failure).</param>
    /// <exception cref="ArgumentException"><paramref name="target"/> is shorter than the blob.</exception>
    public Task DecodeIntoMemoryAsync(Memory<byte> target, IOutboardWriter? outboard = null, CancellationToken cancellationToken = default)
    {
        if ((ulong)target.Length < Tree.Size)
            throw new ArgumentException($"target holds {target.Length} bytes, the blob {Tree.Size}", nameof(target));
        return DecodeAsync(null, target, outboard, false, cancellationToken);
    }

    /// <summary>Synchronous <see cref="DecodeIntoMemoryAsync"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> is shorter than the blob.</exception>
    public void DecodeIntoMemory(Memory<byte> target, IOutboardWriter? outboard = null)
    {
        if ((ulong)target.Length < Tree.Size)
            throw new ArgumentException($"target holds {target.Length} bytes, the blob {Tree.Size}", nameof(target));
        DecodeAsync(null, target, outboard, true, default).GetAwaiter().GetResult();
    }

    // synchronous: every read is a plain Read (the async method then completes synchronously, with no
    // state machine per item); writes to a stream target stay WriteAsync (few, large).
    private async Task DecodeAsync(Stream? target, Memory<byte>? inPlace, IOutboardWriter? outboard, bool synchronous, CancellationToken cancellationToken)
    {
        if (inPlace is { } memoryTarget && _source is MemoryEncodedSource memory)
            await DecodeBatchesAsync(memory, memoryTarget, outboard, cancellationToken).ConfigureAwait(false);
        else
            await DecodeUnitsAsync(target, inPlace, outboard, synchronous, cancellationToken).ConfigureAwait(false);
    }

    // An in-memory encoding into memory: the walk hands 4 MiB batches of leaves, not copied, to the verifying
    // threads, which copy each unit of them to the target right before hashing it (every other source and target
    // goes through units, ResponseDecoder.Units.cs). Parents are read (copied) here; nothing waits on I/O.
    private async Task DecodeBatchesAsync(MemoryEncodedSource memory, Memory<byte> target, IOutboardWriter? outboard, CancellationToken cancellationToken)
    {
        using var pipeline = new BatchPipeline(BatchCapacity, Tree.BlockSize, target);
        try
        {
            while (_walk.TryNext(out var chunk))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var length = chunk.Kind == BaoChunkKind.Parent ? 64 : chunk.Size;
                if (chunk.Kind == BaoChunkKind.Leaf && !pipeline.Current.HasRoomFor(length))
                {
                    // The walk helps verify the previous batch, commits it, and hands this one to the helpers.
                    if (pipeline.TakePrevious() is { } previous)
                        await WriteAsync(previous.Batch, previous.Wait(), null, outboard, 0, cancellationToken).ConfigureAwait(false);
                    pipeline.StartVerifying();
                }
                try
                {
                    if (chunk.Kind == BaoChunkKind.Leaf)
                    {
                        var at = memory.Skip(chunk, chunk.Size);
                        pipeline.Current.AddLeaf(chunk, _expected[--_depth], memory.Bytes.Slice(at, chunk.Size));
                        continue;
                    }
                    memory.Read(chunk, pipeline.Current.Reserve(chunk).Span);
                    Admit(pipeline.Current, chunk);
                }
                catch (BaoVerificationException)
                {
                    // Everything before this item may still be good: commit what verifies, then report.
                    await DrainAsync(pipeline, outboard, cancellationToken).ConfigureAwait(false);
                    throw;
                }
            }
            await DrainAsync(pipeline, outboard, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Whatever did not verify must not stay in the caller's memory.
            pipeline.Current.ClearLeavesFrom(0);
            if (pipeline.TakePrevious() is { } previous)
            {
                previous.WaitQuietly();
                previous.Batch.ClearLeavesFrom(0);
            }
            throw;
        }
    }

    // At most the blob's own leaves (whole groups): a small blob's batches, and their per-item arrays, stay small
    // (a tree of small files decodes one ResponseDecoder per file).
    private int BatchCapacity
    {
        get
        {
            var group = (long)Tree.BlockSize.Bytes;
            var leaves = ((long)Math.Min(Tree.Size, 4UL << 20) + group - 1) / group * group;
            return (int)Math.Max(Math.Min(4L << 20, leaves), group + 64);
        }
    }

    // Commits what is still in flight, in order: the batch being verified, then the one being filled.
    private async Task DrainAsync(BatchPipeline pipeline, IOutboardWriter? outboard, CancellationToken cancellationToken)
    {
        if (pipeline.TakePrevious() is { } previous)
            await WriteAsync(previous.Batch, previous.Wait(), null, outboard, 0, cancellationToken).ConfigureAwait(false);
        await WriteAsync(pipeline.Current, Verification.Start(pipeline.Current, BatchPipeline.HelpersFor(pipeline.Current)).Wait(), null, outboard, 0, cancellationToken).ConfigureAwait(false);
    }

    // The root parent is verified at once; other parents and the leaves join the batch and are verified with it.
    private void Admit(LeafBatch batch, BaoChunk chunk)
    {
        if (chunk.Kind == BaoChunkKind.Parent && chunk.IsRoot)
        {
            VerifyParent(chunk, batch.ParentBytes);
            batch.AddVerifiedParent(chunk);
        }
        else if (chunk.Kind == BaoChunkKind.Parent)
        {
            // Verified with its batch, before anything at or after it is written; its children's expected
            // CVs are only ever compared within batches that are written after it.
            var expected = _expected[--_depth];
            var bytes = batch.ParentBytes;
            if (chunk.Right)
                _expected[_depth++] = Hash.FromBytes(bytes.Slice(32, 32));
            if (chunk.Left)
                _expected[_depth++] = Hash.FromBytes(bytes[..32]);
            batch.AddParent(chunk, expected);
        }
        else
            batch.AddLeaf(chunk, _expected[--_depth]);
    }

    private async ValueTask<long> WriteAsync(LeafBatch batch, int failed, Stream? target, IOutboardWriter? outboard, long written, CancellationToken cancellationToken)
    {
        var end = failed < 0 ? batch.Count : failed;
        if (outboard is not null)
            batch.SaveParents(end, outboard);
        if (target is not null && !batch.InPlace)
        {
            // Leaves adjacent in the blob are adjacent in the batch (parents are kept aside): one write per run.
            var leaves = failed < 0 ? batch.Leaves : batch.LeavesBefore(end);
            var i = 0;
            while (i < leaves)
            {
                i = batch.LeafRun(i, leaves, out var offset, out var bytes);
                if (batch.LentStorage is { } storage)
                {
                    // Written from where it was verified: the target owns the storage once the unit is committed.
                    await ((ILeafStorageTarget)target).WriteLeavesAsync(offset, bytes, storage, cancellationToken).ConfigureAwait(false);
                    written = (long)offset + bytes.Length;
                    continue;
                }
                written = Position(target, offset, written);
                await target.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                written += bytes.Length;
            }
        }
        if (failed >= 0)
        {
            var failure = new BaoVerificationException(BaoFailure.Mismatch, batch.ChunkAt(failed), Where);
            batch.ClearLeavesFrom(failed);
            batch.Clear();
            throw failure;
        }
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
        if (chunk.Kind == BaoChunkKind.Parent)
        {
            VerifyParent(chunk, bytes.Span);
        }
        else if (Subtree.HashSubtree(chunk.StartChunk.Value, bytes.Span, chunk.IsRoot) != _expected[--_depth])
        {
            throw new BaoVerificationException(BaoFailure.Mismatch, chunk, Where);
        }
        return new EncodedItem(chunk, bytes);
    }

    // Checks a parent against its expected CV and pushes the children's CVs for what follows.
    private HashPair VerifyParent(BaoChunk chunk, ReadOnlySpan<byte> bytes)
    {
        var expected = _expected[--_depth];
        var pair = HashPair.Read(bytes);
        if (pair.ParentCv(chunk.IsRoot) != expected)
            throw new BaoVerificationException(BaoFailure.Mismatch, chunk, Where);
        PushChildren(chunk, pair);
        return pair;
    }

    private void PushChildren(BaoChunk chunk, in HashPair pair)
    {
        if (chunk.Right)
            _expected[_depth++] = pair.Right;
        if (chunk.Left)
            _expected[_depth++] = pair.Left;
    }
}
