using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// Items read ahead by a decoder: parents are kept as pairs (their CVs become the expected hashes of what
/// follows at once, but they are verified with the batch, many at a time, like the leaves); leaves are read back to back into one pooled buffer, wait there with their
/// expected hash and are verified together — runs of whole groups many at a time
/// (<see cref="Subtree.HashSubtrees(ulong, ReadOnlySpan{byte}, int, Span{Hash})"/>), in parallel across
/// cores for big batches — before any of them is written.
/// </summary>
internal sealed class LeafBatch : IDisposable
{
    private const int ParallelThreshold = 1 << 20;
    private readonly List<Pending> _items = [];
    private readonly List<int> _leaves = [];
    private readonly List<int> _parents = [];
    private readonly byte[] _parent = new byte[HashPair.Size];
    private readonly int _chunkLog;
    private readonly int _groupBytes;
    private readonly int _capacity;
    private readonly bool _inPlace;
    private byte[] _buffer;
    private Memory<byte> _storage;
    private int _used;

    /// <summary>A batch of up to <paramref name="capacity"/> leaf bytes, in a pooled buffer or, given <paramref name="inPlace"/>, at their offsets in it.</summary>
    public LeafBatch(int capacity, BlockSize blockSize, Memory<byte>? inPlace = null)
    {
        _capacity = capacity;
        _chunkLog = blockSize.ChunkLog;
        _groupBytes = (int)blockSize.Bytes;
        _inPlace = inPlace.HasValue;
        _buffer = _inPlace ? [] : ArrayPool<byte>.Shared.Rent(capacity);
        _storage = inPlace ?? _buffer;
    }

    public int Count => _items.Count;

    /// <summary>True when the leaves sit at their offsets in the caller's memory (nothing to write out).</summary>
    public bool InPlace => _inPlace;

    public bool HasRoomFor(int length) => _used + length <= _capacity;

    /// <summary>Where the next item is read to: a parent's 64 bytes to a scratch slot, a leaf to the end of the leaf data.</summary>
    public Memory<byte> Reserve(BaoChunk chunk) =>
        chunk.Kind == BaoChunkKind.Parent ? _parent : _storage.Slice(LeafOffset(chunk), chunk.Size);

    private int LeafOffset(BaoChunk chunk) => _inPlace ? checked((int)chunk.Offset) : _used;

    /// <summary>The parent just read into <see cref="Reserve"/>'s slot.</summary>
    public ReadOnlySpan<byte> ParentBytes => _parent;

    /// <summary>A parent already verified (the root, whose CV has the root flag).</summary>
    public void AddVerifiedParent(BaoChunk chunk, in HashPair pair) => _items.Add(new Pending(chunk, -1, pair, default, true));

    /// <summary>A non-root parent, verified with the batch against <paramref name="expected"/> (many at a time).</summary>
    public void AddParent(BaoChunk chunk, in HashPair pair, Hash expected)
    {
        _parents.Add(_items.Count);
        _items.Add(new Pending(chunk, -1, pair, expected, false));
    }

    public void AddLeaf(BaoChunk chunk, Hash expected)
    {
        _leaves.Add(_items.Count);
        _items.Add(new Pending(chunk, LeafOffset(chunk), default, expected, false));
        _used += chunk.Size;
    }

    /// <summary>Verifies every parent and leaf not yet verified; returns the index of the first item that failed, or -1.</summary>
    public int Verify()
    {
        // An item's slot turns true once it verified (the root parent did on arrival).
        var ok = new bool[_items.Count];
        for (var i = 0; i < _items.Count; i++)
            ok[i] = _items[i].Verified;
        VerifyParents(ok);
        var leaves = _leaves.Count;
        var workers = Math.Min(Environment.ProcessorCount, _used / (ParallelThreshold / 2));
        if (_used < ParallelThreshold || workers <= 1)
            VerifyRange(0, leaves, ok);
        else
            Parallel.For(0, workers, w => VerifyRange(leaves * w / workers, leaves * (w + 1) / workers, ok));
        return Array.IndexOf(ok, false);
    }

    /// <summary>Item <paramref name="index"/>: a parent with its pair, or a leaf with its bytes.</summary>
    public (BaoChunk Chunk, HashPair Pair, ReadOnlyMemory<byte> Bytes) this[int index]
    {
        get
        {
            var p = _items[index];
            return p.Offset < 0 ? (p.Chunk, p.Pair, default) : (p.Chunk, default, _storage.Slice(p.Offset, p.Chunk.Size));
        }
    }

    /// <summary>
    /// The leaves from item <paramref name="index"/> (a leaf) on, before <paramref name="end"/>, that lie back
    /// to back in the blob as well as in the storage (parents in between are passed over): one write for all
    /// of them. Returns the item index after the run.
    /// </summary>
    public int LeafRun(int index, int end, out ulong offset, out ReadOnlyMemory<byte> bytes)
    {
        var first = _items[index];
        offset = first.Chunk.Offset;
        var length = first.Chunk.Size;
        var next = index + 1;
        while (next < end)
        {
            var item = _items[next];
            if (item.Offset >= 0)
            {
                if (item.Chunk.Offset != offset + (ulong)length || item.Offset != first.Offset + length)
                    break;
                length += item.Chunk.Size;
            }
            next++;
        }
        bytes = _storage.Slice(first.Offset, length);
        return next;
    }

    /// <summary>Zeroes the leaves from item <paramref name="index"/> on (in place: unverified bytes never stay in the target).</summary>
    public void ClearLeavesFrom(int index)
    {
        for (var i = index; i < _items.Count; i++)
            if (_items[i].Offset >= 0)
                _storage.Span.Slice(_items[i].Offset, _items[i].Chunk.Size).Clear();
    }

    public void Clear()
    {
        _items.Clear();
        _leaves.Clear();
        _parents.Clear();
        _used = 0;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _storage = default;
    }

    // Verifies leaves _leaves[from..to): runs of whole, consecutive, non-root groups (adjacent in the storage
    // too: parents are kept aside) are hashed together.
    private void VerifyRange(int from, int to, bool[] ok)
    {
        Span<Hash> cvs = stackalloc Hash[64];
        var storage = _storage.Span;
        var i = from;
        while (i < to)
        {
            var p = _items[_leaves[i]];
            var run = 1;
            if (!p.Chunk.IsRoot && p.Chunk.Size == _groupBytes)
            {
                while (i + run < to && run < cvs.Length && IsNextGroup(_items[_leaves[i + run]], p, run))
                    run++;
            }
            if (run == 1)
            {
                ok[_leaves[i]] = Subtree.HashSubtree(p.Chunk.StartChunk.Value, storage.Slice(p.Offset, p.Chunk.Size), p.Chunk.IsRoot) == p.Expected;
                i++;
                continue;
            }
            Subtree.HashSubtrees(p.Chunk.StartChunk.Value, storage.Slice(p.Offset, run * _groupBytes), _chunkLog, cvs[..run]);
            for (var j = 0; j < run; j++)
                ok[_leaves[i + j]] = cvs[j] == _items[_leaves[i + j]].Expected;
            i += run;
        }
    }

    private void VerifyParents(bool[] ok)
    {
        if (_parents.Count == 0)
            return;
        var blocks = ArrayPool<byte>.Shared.Rent(_parents.Count * HashPair.Size);
        var cvs = ArrayPool<Hash>.Shared.Rent(_parents.Count);
        try
        {
            for (var i = 0; i < _parents.Count; i++)
                _items[_parents[i]].Pair.Write(blocks.AsSpan(i * HashPair.Size, HashPair.Size));
            Subtree.ParentCvs(blocks.AsSpan(0, _parents.Count * HashPair.Size), cvs.AsSpan(0, _parents.Count));
            for (var i = 0; i < _parents.Count; i++)
                ok[_parents[i]] = cvs[i] == _items[_parents[i]].Expected;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(blocks);
            ArrayPool<Hash>.Shared.Return(cvs);
        }
    }

    private bool IsNextGroup(Pending candidate, Pending first, int index) =>
        candidate.Offset == first.Offset + index * _groupBytes
        && candidate.Chunk.Size == _groupBytes
        && !candidate.Chunk.IsRoot
        && candidate.Chunk.StartChunk.Value == first.Chunk.StartChunk.Value + ((ulong)index << _chunkLog);

    // Offset < 0: a parent with its pair; else a leaf at Offset in the storage. Expected: the CV it must hash to.
    private readonly record struct Pending(BaoChunk Chunk, int Offset, HashPair Pair, Hash Expected, bool Verified);
}
