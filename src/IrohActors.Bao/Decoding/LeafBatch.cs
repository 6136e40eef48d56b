using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// Items read ahead by a decoder, kept in flat arrays (no per-item object): parents are read straight into one
/// block of 64-byte pairs (their CVs become the expected hashes of what follows at once, but they are verified
/// with the batch, all in one <see cref="Subtree.ParentCvs"/> pass); leaves are read back to back into one pooled
/// buffer (or to their offsets in the caller's memory), wait there with their expected hash and are verified
/// together — runs of whole groups many at a time
/// (<see cref="Subtree.HashSubtrees(ulong, ReadOnlySpan{byte}, int, Span{Hash})"/>). Verification is split into
/// units of a few hundred KiB that any number of threads claim until none is left (<see cref="WorkRound"/>), so
/// every core stays busy however the threads are scheduled; nothing of a batch is written before it verified.
/// </summary>
internal sealed class LeafBatch : IDisposable
{
    /// <summary>Leaf bytes per verification unit: small enough to balance two or more threads, big enough for whole SIMD runs.</summary>
    private const int UnitBytes = 256 << 10;

    private readonly int _chunkLog;
    private readonly int _groupBytes;
    private readonly int _capacity;
    private readonly bool _inPlace;
    private readonly ILeafStorageTarget? _lender;
    private byte[] _buffer;
    private Memory<byte> _storage;
    // Storage lent by the target (null while none is rented): handed back with the leaves once they are written.
    private IMemoryOwner<byte>? _lent;
    private int _used;

    // Stream order: entry >= 0 is leaf index, entry < 0 is parent index ~entry.
    private int[] _order;
    private int _count;

    private byte[] _pairs = ArrayPool<byte>.Shared.Rent(256 * HashPair.Size);
    private BaoChunk[] _parentChunks;
    private Hash[] _parentExpected;
    private bool[] _parentOk;
    private bool[] _parentVerified;
    private int _parents;

    private BaoChunk[] _leafChunks;
    private int[] _leafOffsets;
    private Hash[] _leafExpected;
    private bool[] _leafOk;
    private ReadOnlyMemory<byte>[] _leafSources;
    private int _leaves;

    private int[] _unitStarts = new int[64];

    /// <summary>
    /// A batch of up to <paramref name="capacity"/> leaf bytes: at their offsets in <paramref name="inPlace"/>, given;
    /// else in storage rented from <paramref name="lender"/> (when the first leaf arrives, and again after
    /// <see cref="ReturnStorage"/>), given; else in a pooled buffer.
    /// </summary>
    public LeafBatch(int capacity, BlockSize blockSize, Memory<byte>? inPlace = null, ILeafStorageTarget? lender = null)
    {
        _capacity = capacity;
        _chunkLog = blockSize.ChunkLog;
        _groupBytes = (int)blockSize.Bytes;
        _inPlace = inPlace.HasValue;
        _lender = _inPlace ? null : lender;
        _buffer = _inPlace || _lender is not null ? [] : ArrayPool<byte>.Shared.Rent(capacity);
        _storage = inPlace ?? _buffer;
        // Sized for the capacity (they grow when needed): a batch of one small blob allocates little.
        var items = Math.Clamp((int)(capacity / _groupBytes) * 2 + 2, 4, 256);
        _order = new int[items];
        _parentChunks = new BaoChunk[items];
        _parentExpected = new Hash[items];
        _parentOk = new bool[items];
        _parentVerified = new bool[items];
        _leafChunks = new BaoChunk[items];
        _leafOffsets = new int[items];
        _leafExpected = new Hash[items];
        _leafOk = new bool[items];
        _leafSources = new ReadOnlyMemory<byte>[items];
    }

    /// <summary>Items (parents and leaves) in stream order.</summary>
    public int Count => _count;

    /// <summary>Leaves held.</summary>
    public int Leaves => _leaves;

    /// <summary>Leaf bytes held.</summary>
    public int LeafBytes => _used;

    /// <summary>True when the leaves sit at their offsets in the caller's memory (nothing to write out).</summary>
    public bool InPlace => _inPlace;

    public bool HasRoomFor(int length) => _used + length <= _capacity;

    /// <summary>Where the next item is read to: a parent's 64 bytes to the next pair slot, a leaf to the end of the leaf data (or its offset, in place).</summary>
    public Memory<byte> Reserve(BaoChunk chunk)
    {
        if (chunk.Kind == BaoChunkKind.Parent)
        {
            if ((_parents + 1) * HashPair.Size > _pairs.Length)
                Grow(ref _pairs);
            return _pairs.AsMemory(_parents * HashPair.Size, HashPair.Size);
        }
        if (_lender is not null && _lent is null)
        {
            _lent = _lender.RentLeafStorage(_capacity);
            _storage = _lent.Memory;
        }
        return _storage.Slice(LeafOffset(chunk), chunk.Size);
    }

    /// <summary>The lent storage the leaves are in (null when the batch has none: not lent, or no leaf yet).</summary>
    public IMemoryOwner<byte>? LentStorage => _lent;

    /// <summary>Hands the lent storage back to the target (after its verified runs were written, or when they never will be); the next leaf rents new storage.</summary>
    public void ReturnStorage()
    {
        if (_lent is not { } lent)
            return;
        _lent = null;
        _storage = default;
        _lender!.ReturnLeafStorage(lent);
    }

    private int LeafOffset(BaoChunk chunk) => _inPlace ? checked((int)chunk.Offset) : _used;

    /// <summary>The parent just read into <see cref="Reserve"/>'s slot.</summary>
    public ReadOnlySpan<byte> ParentBytes => _pairs.AsSpan(_parents * HashPair.Size, HashPair.Size);

    /// <summary>The parent in <see cref="ParentBytes"/>, already verified (the root, whose CV has the root flag).</summary>
    public void AddVerifiedParent(BaoChunk chunk) => AddParent(chunk, default, verified: true);

    /// <summary>The non-root parent in <see cref="ParentBytes"/>, verified with the batch against <paramref name="expected"/>.</summary>
    public void AddParent(BaoChunk chunk, Hash expected) => AddParent(chunk, expected, verified: false);

    private void AddParent(BaoChunk chunk, Hash expected, bool verified)
    {
        if (_parents == _parentChunks.Length)
        {
            Array.Resize(ref _parentChunks, _parents * 2);
            Array.Resize(ref _parentExpected, _parents * 2);
            Array.Resize(ref _parentOk, _parents * 2);
            Array.Resize(ref _parentVerified, _parents * 2);
        }
        _parentChunks[_parents] = chunk;
        _parentExpected[_parents] = expected;
        _parentVerified[_parents] = verified;
        AddOrder(~_parents);
        _parents++;
    }

    /// <summary>A leaf just read into <see cref="Reserve"/>'s slot, verified with the batch against <paramref name="expected"/>.</summary>
    public void AddLeaf(BaoChunk chunk, Hash expected) => AddLeaf(chunk, expected, default);

    /// <summary>
    /// A leaf whose bytes are still in <paramref name="source"/> (in place only): the verifying thread copies them to
    /// the leaf's offset right before hashing them there. Empty <paramref name="source"/>: already in place.
    /// </summary>
    public void AddLeaf(BaoChunk chunk, Hash expected, ReadOnlyMemory<byte> source)
    {
        if (_leaves == _leafChunks.Length)
        {
            Array.Resize(ref _leafChunks, _leaves * 2);
            Array.Resize(ref _leafOffsets, _leaves * 2);
            Array.Resize(ref _leafExpected, _leaves * 2);
            Array.Resize(ref _leafOk, _leaves * 2);
            Array.Resize(ref _leafSources, _leaves * 2);
        }
        _leafSources[_leaves] = source;
        _leafChunks[_leaves] = chunk;
        _leafOffsets[_leaves] = LeafOffset(chunk);
        _leafExpected[_leaves] = expected;
        AddOrder(_leaves);
        _leaves++;
        _used += chunk.Size;
    }

    private void AddOrder(int entry)
    {
        if (_count == _order.Length)
            Array.Resize(ref _order, _count * 2);
        _order[_count++] = entry;
    }

    /// <summary>
    /// Splits the verification into units (all parents; then runs of leaves of about <see cref="UnitBytes"/>) that
    /// threads claim (<see cref="WorkRound"/>); returns how many. Nothing may be added to the batch until all are verified.
    /// </summary>
    public int BeginVerify()
    {
        var units = 0;
        if (_parents > 0)
            AddUnit(ref units, -1);
        var bytes = UnitBytes;
        for (var i = 0; i < _leaves; i++)
        {
            if (bytes >= UnitBytes)
            {
                AddUnit(ref units, i);
                bytes = 0;
            }
            bytes += _leafChunks[i].Size;
        }
        AddUnit(ref units, _leaves);
        // The last entry is the end of the last leaf unit (or the only entry, for parents alone).
        return units - 1;
    }

    private void AddUnit(ref int units, int start)
    {
        if (units == _unitStarts.Length)
            Array.Resize(ref _unitStarts, units * 2);
        _unitStarts[units++] = start;
    }

    /// <summary>Verifies unit <paramref name="unit"/> of the round begun last.</summary>
    internal void VerifyUnit(int unit)
    {
        var start = _unitStarts[unit];
        if (start < 0)
        {
            VerifyParents();
            return;
        }
        VerifyLeaves(start, _unitStarts[unit + 1]);
    }

    /// <summary>After a round completed: the index (stream order) of the first item that failed, or -1.</summary>
    public int FirstFailure()
    {
        for (var i = 0; i < _count; i++)
        {
            var entry = _order[i];
            if (entry >= 0 ? !_leafOk[entry] : !_parentOk[~entry])
                return i;
        }
        return -1;
    }

    /// <summary>Item <paramref name="index"/> (stream order).</summary>
    public BaoChunk ChunkAt(int index)
    {
        var entry = _order[index];
        return entry >= 0 ? _leafChunks[entry] : _parentChunks[~entry];
    }

    /// <summary>The parents among the first <paramref name="end"/> items, in stream order, with their pairs.</summary>
    public void SaveParents(int end, IOutboardWriter outboard)
    {
        for (var i = 0; i < end; i++)
        {
            var entry = _order[i];
            if (entry < 0)
                outboard.Save(_parentChunks[~entry].Node, HashPair.Read(_pairs.AsSpan(~entry * HashPair.Size, HashPair.Size)));
        }
    }

    /// <summary>How many leaves come before item <paramref name="end"/> (stream order).</summary>
    public int LeavesBefore(int end)
    {
        var n = 0;
        for (var i = 0; i < end; i++)
            if (_order[i] >= 0)
                n++;
        return n;
    }

    /// <summary>
    /// The leaves from leaf <paramref name="leaf"/> on, before leaf <paramref name="end"/>, that lie back to back in
    /// the blob as well as in the storage: one write for all of them. Returns the leaf index after the run.
    /// </summary>
    public int LeafRun(int leaf, int end, out ulong offset, out ReadOnlyMemory<byte> bytes)
    {
        offset = _leafChunks[leaf].Offset;
        var first = _leafOffsets[leaf];
        var length = _leafChunks[leaf].Size;
        var next = leaf + 1;
        while (next < end && _leafChunks[next].Offset == offset + (ulong)length && _leafOffsets[next] == first + length)
        {
            length += _leafChunks[next].Size;
            next++;
        }
        bytes = _storage.Slice(first, length);
        return next;
    }

    /// <summary>Zeroes the leaves from item <paramref name="index"/> on (in place: unverified bytes never stay in the target).</summary>
    public void ClearLeavesFrom(int index)
    {
        var span = _storage.Span;
        for (var i = index; i < _count; i++)
        {
            var entry = _order[i];
            if (entry >= 0)
                span.Slice(_leafOffsets[entry], _leafChunks[entry].Size).Clear();
        }
    }

    public void Clear()
    {
        Array.Clear(_leafSources, 0, _leaves);
        _count = 0;
        _parents = 0;
        _leaves = 0;
        _used = 0;
    }

    public void Dispose()
    {
        ReturnStorage();
        if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        if (_pairs.Length > 0)
            ArrayPool<byte>.Shared.Return(_pairs);
        _buffer = [];
        _pairs = [];
        _storage = default;
    }

    private static void Grow(ref byte[] pooled)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(pooled.Length * 2);
        pooled.AsSpan().CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(pooled);
        pooled = bigger;
    }

    // Verifies leaves [from, to): runs of whole, consecutive, non-root groups (adjacent in the storage too:
    // parents are kept aside) are hashed together.
    private void VerifyLeaves(int from, int to)
    {
        Span<Hash> cvs = stackalloc Hash[64];
        var storage = _storage.Span;
        for (var j = from; j < to; j++)
            if (!_leafSources[j].IsEmpty)
                _leafSources[j].Span.CopyTo(storage.Slice(_leafOffsets[j], _leafChunks[j].Size));
        var i = from;
        while (i < to)
        {
            var chunk = _leafChunks[i];
            var run = 1;
            if (!chunk.IsRoot && chunk.Size == _groupBytes)
            {
                while (i + run < to && run < cvs.Length && IsNextGroup(i + run, i, run))
                    run++;
            }
            if (run == 1)
            {
                _leafOk[i] = Subtree.HashSubtree(chunk.StartChunk.Value, storage.Slice(_leafOffsets[i], chunk.Size), chunk.IsRoot) == _leafExpected[i];
                i++;
                continue;
            }
            Subtree.HashSubtrees(chunk.StartChunk.Value, storage.Slice(_leafOffsets[i], run * _groupBytes), _chunkLog, cvs[..run]);
            for (var j = 0; j < run; j++)
                _leafOk[i + j] = cvs[j] == _leafExpected[i + j];
            i += run;
        }
    }

    // All parents in one pass (the root's pair hashes without the root flag here: it verified on arrival).
    private void VerifyParents()
    {
        var cvs = ArrayPool<Hash>.Shared.Rent(_parents);
        try
        {
            Subtree.ParentCvs(_pairs.AsSpan(0, _parents * HashPair.Size), cvs.AsSpan(0, _parents));
            for (var i = 0; i < _parents; i++)
                _parentOk[i] = _parentVerified[i] || cvs[i] == _parentExpected[i];
        }
        finally
        {
            ArrayPool<Hash>.Shared.Return(cvs);
        }
    }

    private bool IsNextGroup(int candidate, int first, int index) =>
        _leafOffsets[candidate] == _leafOffsets[first] + index * _groupBytes
        && _leafChunks[candidate].Size == _groupBytes
        && !_leafChunks[candidate].IsRoot
        && _leafChunks[candidate].StartChunk.Value == _leafChunks[first].StartChunk.Value + ((ulong)index << _chunkLog);
}
