using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// An encoder's read-ahead of consecutive whole chunk groups, hashed together (many small groups per SIMD call
/// with <see cref="Subtree.HashSubtrees(ulong, ReadOnlySpan{byte}, int, Span{Hash})"/>, and in units of a few
/// hundred KiB on all cores for big windows); each leaf is then handed out from the same bytes that were hashed.
/// </summary>
internal sealed class LeafWindow : IDisposable
{
    /// <summary>Up to this group size (1 MiB) whole groups go through windows; bigger groups are hashed one by one.</summary>
    public const int MaxChunkLog = 10;

    /// <summary>The most bytes one window holds.</summary>
    public const int WindowBytes = 4 << 20;

    /// <summary>The most bytes a window holds when one thread does everything (read, hash, hand out): it stays in that core's cache.</summary>
    public const int SerialWindowBytes = 512 << 10;

    private const int UnitBytes = 256 << 10;
    private readonly int _chunkLog;
    private readonly int _groupBytes;
    private readonly Hash[] _cvs;
    private byte[] _buffer = [];
    private ReadOnlyMemory<byte> _bytes;
    private ulong _startChunk;
    private int _groups;

    /// <summary>A window of at most <see cref="WindowBytes"/>, and never more than <paramref name="treeGroups"/> groups.</summary>
    /// <param name="blockSize">The tree's chunk-group size.</param>
    /// <param name="treeGroups">The tree's group count: a small blob's window needs no more (a provider serving many
    /// small blobs opens an encoder each, and a full-size array of CVs to zero each time cost more than the hashing).</param>
    public LeafWindow(BlockSize blockSize, ulong treeGroups)
    {
        _chunkLog = blockSize.ChunkLog;
        _groupBytes = (int)blockSize.Bytes;
        MaxGroups = (int)Math.Clamp(treeGroups, 1, (ulong)Math.Max(1, WindowBytes / _groupBytes));
        _cvs = new Hash[MaxGroups];
    }

    /// <summary>The most groups one window holds.</summary>
    public int MaxGroups { get; }

    /// <summary>The first chunk of the window (when it holds groups).</summary>
    public ulong StartChunk => _startChunk;

    /// <summary>Groups in the window.</summary>
    public int Groups => _groups;

    /// <summary>True when the group starting at <paramref name="startChunk"/> is in the window.</summary>
    public bool Contains(ulong startChunk) =>
        _groups > 0 && startChunk >= _startChunk && (startChunk - _startChunk) >> _chunkLog < (ulong)_groups;

    /// <summary>
    /// Reads <paramref name="groups"/> whole groups from chunk <paramref name="startChunk"/> and hashes them: on all cores
    /// when there is enough and <paramref name="parallel"/>, else on the calling thread alone.
    /// </summary>
    /// <exception cref="EndOfStreamException">The source ended early.</exception>
    public void Fill(DataSource source, ulong startChunk, int groups, bool parallel = true)
    {
        _groups = 0;
        var length = groups * _groupBytes;
        if (source is not MemoryDataSource && _buffer.Length < length)
        {
            if (_buffer.Length > 0)
                ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _buffer = ArrayPool<byte>.Shared.Rent(length);
        }
        _bytes = source.Read(startChunk * ChunkNum.ChunkLen, length, _buffer);
        var bytes = _bytes;
        var groupsPerUnit = Math.Max(1, UnitBytes / _groupBytes);
        var units = (groups + groupsPerUnit - 1) / groupsPerUnit;
        WorkRound.Start(units, u =>
        {
            var from = u * groupsPerUnit;
            var n = Math.Min(groupsPerUnit, groups - from);
            Subtree.HashSubtrees(startChunk + ((ulong)from << _chunkLog), bytes.Span.Slice(from * _groupBytes, n * _groupBytes), _chunkLog, _cvs.AsSpan(from, n));
        }, parallel && units > 1 ? WorkRound.DefaultHelpers : 0).Wait();
        _startChunk = startChunk;
        _groups = groups;
    }

    /// <summary>The bytes of the group at <paramref name="startChunk"/> (in the window) and their chaining value.</summary>
    public ReadOnlyMemory<byte> Leaf(ulong startChunk, out Hash cv)
    {
        var index = (int)((startChunk - _startChunk) >> _chunkLog);
        cv = _cvs[index];
        return _bytes.Slice(index * _groupBytes, _groupBytes);
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _bytes = default;
        _groups = 0;
    }
}

/// <summary>
/// A window fill queued on the thread pool that whoever needs it first runs: when no pool thread has taken it
/// yet, the thread that waits for it does it itself, so a busy pool never leaves the encoder blocked on a
/// queued work item.
/// </summary>
internal sealed class WindowFill
{
    private readonly Action _fill;
    private readonly ManualResetEventSlim _done = new(false);
    private int _claimed;
    private Exception? _error;

    public WindowFill(Action fill)
    {
        _fill = fill;
        ThreadPool.UnsafeQueueUserWorkItem(static f => f.TryRun(), this, preferLocal: false);
    }

    /// <summary>Runs the fill here unless another thread took it, waits for it, and rethrows its exception.</summary>
    public void Wait()
    {
        TryRun();
        _done.Wait();
        if (_error is { } error)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Drops the fill if it has not started, else waits for it to end; its outcome is ignored.</summary>
    public void Cancel()
    {
        if (Interlocked.Exchange(ref _claimed, 1) == 0)
            _done.Set();
        _done.Wait();
    }

    private void TryRun()
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0)
            return;
        try
        {
            _fill();
        }
        catch (Exception e)
        {
            _error = e;
        }
        finally
        {
            _done.Set();
        }
    }
}
