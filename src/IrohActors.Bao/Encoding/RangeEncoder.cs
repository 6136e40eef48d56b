using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// Produces the verified stream for a set of chunk ranges (bao-tree's <c>encode_ranges_validated</c>):
/// pre-order parent pairs and leaf data, no headers. Whole groups inside the ranges are one leaf; partly
/// covered groups are split to 1 KiB chunks with their inner parents recomputed from the data. Everything
/// read from storage is checked against the root first, so bad local data fails naming its node or chunk.
/// </summary>
public sealed class RangeEncoder : IDisposable
{
    private readonly DataSource _data;
    private readonly IOutboard _outboard;
    private readonly ResponseWalk _walk;
    private readonly Hash[] _expected;
    private readonly byte[] _pair = new byte[64];
    private byte[] _group;
    private ulong _groupIndex = ulong.MaxValue;
    private int _groupLength;
    private int _depth;
    private LeafWindow? _window;
    // The window after the current one, read and hashed in the background while the caller writes (sources
    // that can be read from two threads only); null when none is on its way.
    private LeafWindow? _ahead;
    private WindowFill? _aheadFill;

    internal RangeEncoder(DataSource data, IOutboard outboard, ChunkRanges ranges)
    {
        if (data.Length != outboard.Tree.Size)
            throw new ArgumentException($"data is {data.Length} bytes but the outboard describes {outboard.Tree.Size}");
        _data = data;
        _outboard = outboard;
        _walk = new ResponseWalk(outboard.Tree, ranges);
        // At most one expected hash waits per level (as the walk's frames); 70 were 2 KiB to zero per small blob.
        _expected = new Hash[ResponseWalk.Height(outboard.Tree) + 2];
        _group = ArrayPool<byte>.Shared.Rent((int)outboard.Tree.BlockSize.Bytes);
        _expected[_depth++] = outboard.Root;
        // A blob of one group never uses a window (its only leaf is the root, read and hashed alone).
        if (outboard.Tree.BlockSize.ChunkLog <= LeafWindow.MaxChunkLog && data.ReadsAcrossGroups && !outboard.Tree.IsSingleGroup)
        {
            _window = new LeafWindow(outboard.Tree.BlockSize, outboard.Tree.Blocks);
            if (data.ReadsConcurrently && outboard.Tree.Blocks > (ulong)_window.MaxGroups)
                _ahead = new LeafWindow(outboard.Tree.BlockSize, outboard.Tree.Blocks);
        }
    }

    /// <summary>Encodes from memory.</summary>
    public RangeEncoder(ReadOnlyMemory<byte> data, IOutboard outboard, ChunkRanges ranges)
        : this(new MemoryDataSource(data), outboard, ranges)
    {
    }

    /// <summary>Encodes from an open file.</summary>
    public RangeEncoder(Microsoft.Win32.SafeHandles.SafeFileHandle data, IOutboard outboard, ChunkRanges ranges, string? path = null)
        : this(new FileDataSource(data, outboard.Tree.Size, path ?? "data file"), outboard, ranges)
    {
    }

    /// <summary>The tree encoded.</summary>
    public BaoTree Tree => _outboard.Tree;

    /// <summary>
    /// True (the default): whole groups are read a window (4 MiB) ahead on another thread and hashed on all cores, for
    /// one reader that should go as fast as the machine allows. False: everything runs on the calling thread, in
    /// windows small enough (<see cref="LeafWindow.SerialWindowBytes"/>) that the bytes handed out are still in its
    /// cache; for a server, whose cores are shared by its requests and by what it does with the items (a provider
    /// encrypts them on the same thread), where hand-offs between threads cost more than they overlap. May be changed
    /// between items.
    /// </summary>
    public bool Parallel { get; set; } = true;

    /// <summary>Where errors say the bad data came from.</summary>
    public string Where { get; init; } = "local storage";

    /// <summary>
    /// The data source holds exactly the bytes the root was computed from (the store's copy of what an import just
    /// hashed, in memory): leaves are not hashed again. Parents are still checked against the outboard.
    /// </summary>
    internal bool LeavesVerified { get; init; }

    /// <summary>Produces the next item; false when done. Throws <see cref="BaoVerificationException"/> on bad storage.</summary>
    public bool TryNext(out EncodedItem item)
    {
        if (!_walk.TryNext(out var chunk))
        {
            item = default;
            return false;
        }
        var expected = _expected[--_depth];
        if (chunk.Kind == BaoChunkKind.Parent)
        {
            CheckedPair(chunk, expected).Write(_pair);
            item = new EncodedItem(chunk, _pair);
            return true;
        }
        ReadOnlyMemory<byte> data;
        if (_window is not null && !chunk.IsRoot && chunk.Size == (int)Tree.BlockSize.Bytes
            && chunk.StartChunk.Value >= _noWindowBefore && (_window.Contains(chunk.StartChunk.Value) || TryFillWindow(chunk)))
        {
            // Whole groups: hashed many at a time, a window ahead; the bytes handed out are the ones hashed.
            data = _window.Leaf(chunk.StartChunk.Value, out var cv);
            if (cv != expected)
                throw new BaoVerificationException(BaoFailure.Mismatch, chunk, Where);
        }
        else
        {
            data = ReadLeaf(chunk);
            if (!LeavesVerified && Subtree.HashSubtree(chunk.StartChunk.Value, data.Span, chunk.IsRoot) != expected)
                throw new BaoVerificationException(BaoFailure.Mismatch, chunk, Where);
        }
        item = new EncodedItem(chunk, data);
        return true;
    }

    /// <summary>
    /// The outboard's pair for a parent, checked against the hash the tree expects there; the children the walk will
    /// visit are pushed as the next expected hashes (left on top, as the walk goes left first).
    /// </summary>
    private HashPair CheckedPair(BaoChunk chunk, Hash expected)
    {
        var pair = LoadPair(chunk);
        if (pair.ParentCv(chunk.IsRoot) != expected)
            throw new BaoVerificationException(BaoFailure.Mismatch, chunk, Where);
        if (chunk.Right)
            _expected[_depth++] = pair.Right;
        if (chunk.Left)
            _expected[_depth++] = pair.Left;
        return pair;
    }

    /// <summary>The bytes of the whole stream for the ranges (parents and leaves; <see cref="ResponseWalk.EncodedLength"/>).</summary>
    public ulong EncodedLength => _encodedLength ??= ResponseWalk.EncodedLength(Tree, _walk.Ranges);

    private ulong? _encodedLength;

    /// <summary>
    /// Writes the rest of the stream into <paramref name="destination"/> and returns its length: leaves covering whole
    /// groups are read from storage straight into place and hashed there (no read buffer, no window), parents come from
    /// the outboard; each item is checked against the tree before the next one is read. For many small blobs, where
    /// items would otherwise be copied out of the encoder's buffer one by one. <paramref name="destination"/> must hold
    /// the rest of the stream (<see cref="EncodedLength"/> when nothing was read yet). Throws
    /// <see cref="BaoVerificationException"/> on bad storage; what it wrote up to then is not to be used.
    /// </summary>
    public int EncodeTo(Span<byte> destination)
    {
        var written = 0;
        while (_walk.TryNext(out var chunk))
        {
            var expected = _expected[--_depth];
            if (chunk.Kind == BaoChunkKind.Parent)
            {
                CheckedPair(chunk, expected).Write(destination.Slice(written, 64));
                written += 64;
                continue;
            }
            var leaf = destination.Slice(written, chunk.Size);
            var group = chunk.Offset / Tree.BlockSize.Bytes;
            var (groupStart, groupEnd) = Tree.GroupByteRange(group);
            if (chunk.Offset == groupStart && (ulong)chunk.Size == groupEnd - groupStart)
            {
                try
                {
                    _data.ReadInto(chunk.Offset, leaf);
                }
                catch (EndOfStreamException e)
                {
                    throw new BaoVerificationException(BaoFailure.Missing, chunk, Where, e);
                }
            }
            else
                ReadLeaf(chunk).Span.CopyTo(leaf);
            if (!LeavesVerified && Subtree.HashSubtree(chunk.StartChunk.Value, leaf, chunk.IsRoot) != expected)
                throw new BaoVerificationException(BaoFailure.Mismatch, chunk, Where);
            written += chunk.Size;
        }
        return written;
    }

    /// <summary>Writes the whole stream to <paramref name="output"/>.</summary>
    public void WriteTo(Stream output)
    {
        while (TryNext(out var item))
            output.Write(item.Bytes.Span);
    }

    /// <summary>Writes the whole stream to <paramref name="output"/>.</summary>
    public async Task WriteToAsync(Stream output, CancellationToken cancellationToken = default)
    {
        while (TryNext(out var item))
            await output.WriteAsync(item.Bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_group.Length > 0)
            ArrayPool<byte>.Shared.Return(_group);
        _group = [];
        FinishAhead();
        _window?.Dispose();
        _ahead?.Dispose();
    }

    // Brings the whole groups from the chunk's on that the ranges cover (up to a window) into the window: the
    // window read ahead when it is that one, else read and hashed now; then starts reading the one after.
    // False when the data ends inside the window: those groups are then read one by one, so every leaf before
    // the end still goes out and the failure names the group where the data ends.
    private bool TryFillWindow(BaoChunk chunk)
    {
        var start = chunk.StartChunk.Value;
        var groups = WindowGroups(start);
        try
        {
            if (_aheadFill is not null && AheadMatches(start, groups))
            {
                var fill = _aheadFill;
                _aheadFill = null;
                fill.Wait();
                (_window, _ahead) = (_ahead, _window);
            }
            else
            {
                FinishAhead();
                _window!.Fill(_data, start, groups, Parallel);
            }
        }
        catch (EndOfStreamException)
        {
            _noWindowBefore = start + ((ulong)groups << Tree.BlockSize.ChunkLog);
            return false;
        }
        var next = start + ((ulong)groups << Tree.BlockSize.ChunkLog);
        if (_ahead is not null && Parallel && next < Tree.Size / ChunkNum.ChunkLen && _walk.Ranges.Covers(next, next + Tree.BlockSize.Chunks))
        {
            var ahead = _ahead;
            var nextGroups = WindowGroups(next);
            _aheadStart = next;
            _aheadGroups = nextGroups;
            _aheadFill = new WindowFill(() => ahead.Fill(_data, next, nextGroups));
        }
        return true;
    }

    // Groups before this chunk are read one by one (a window there found the data ending early).
    private ulong _noWindowBefore;

    private ulong _aheadStart;
    private int _aheadGroups;

    private bool AheadMatches(ulong start, int groups) => _aheadStart == start && _aheadGroups == groups;

    // How many whole groups from chunk start on a window takes: all of them covered by the ranges, up to its size.
    private int WindowGroups(ulong start)
    {
        var groupChunks = Tree.BlockSize.Chunks;
        var wholeChunks = Tree.Size / ChunkNum.ChunkLen;
        var most = Parallel ? _window!.MaxGroups : Math.Min(_window!.MaxGroups, Math.Max(1, LeafWindow.SerialWindowBytes >> (Tree.BlockSize.ChunkLog + 10)));
        var groups = (int)Math.Min((ulong)most, (wholeChunks - start) / groupChunks);
        while (groups > 1 && !_walk.Ranges.Covers(start, start + (ulong)groups * groupChunks))
            groups /= 2;
        return groups;
    }

    // Drops or waits out a read-ahead nobody will use (its buffer is reused next); its errors do not matter:
    // a window the walk does not take is not this item's.
    private void FinishAhead()
    {
        if (_aheadFill is not { } fill)
            return;
        _aheadFill = null;
        fill.Cancel();
    }

    private HashPair LoadPair(BaoChunk chunk)
    {
        var node = chunk.Node;
        if (node.Level >= Tree.BlockSize.ChunkLog)
        {
            HashPair stored;
            try
            {
                if (!_outboard.TryLoad(node, out stored))
                    throw new InvalidOperationException($"outboard has no pair for {node} of {Tree}");
            }
            catch (EndOfStreamException e)
            {
                throw new BaoVerificationException(BaoFailure.Missing, chunk, Where, e);
            }
            return stored;
        }
        // Inside a partly requested group: recompute the pair from the group's data.
        var (start, end) = Tree.ByteRange(node);
        var mid = node.Mid.ToBytes();
        var group = LoadGroup(start, chunk);
        var groupStart = _groupIndex * Tree.BlockSize.Bytes;
        var left = group.Slice((int)(start - groupStart), (int)(mid - start));
        var right = group.Slice((int)(mid - groupStart), (int)(end - mid));
        return new HashPair(
            Subtree.HashSubtree(node.Start.Value, left, false),
            Subtree.HashSubtree(node.Mid.Value, right, false));
    }

    private ReadOnlyMemory<byte> ReadLeaf(BaoChunk chunk)
    {
        if (chunk.Size < (int)Tree.BlockSize.Bytes)
        {
            // A chunk of a partly requested group, or the short last group: served from the cached group.
            LoadGroup(chunk.Offset, chunk);
            var groupStart = _groupIndex * Tree.BlockSize.Bytes;
            return _group.AsMemory((int)(chunk.Offset - groupStart), chunk.Size);
        }
        _groupIndex = ulong.MaxValue;
        try
        {
            return _data.Read(chunk.Offset, chunk.Size, _group);
        }
        catch (EndOfStreamException e)
        {
            throw new BaoVerificationException(BaoFailure.Missing, chunk, Where, e);
        }
    }

    private ReadOnlySpan<byte> LoadGroup(ulong offset, BaoChunk chunk)
    {
        var index = offset / Tree.BlockSize.Bytes;
        if (index != _groupIndex)
        {
            var (start, end) = Tree.GroupByteRange(index);
            try
            {
                var read = _data.Read(start, (int)(end - start), _group);
                if (!read.Span.Overlaps(_group))
                    read.Span.CopyTo(_group);
            }
            catch (EndOfStreamException e)
            {
                throw new BaoVerificationException(BaoFailure.Missing, chunk, Where, e);
            }
            _groupIndex = index;
            _groupLength = (int)(end - start);
        }
        return _group.AsSpan(0, _groupLength);
    }
}
