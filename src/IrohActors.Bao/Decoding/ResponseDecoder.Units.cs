using System.Runtime.ExceptionServices;

namespace IrohActors.Bao;

/// <summary>
/// Decoding in units that every verifying thread claims in turn: holding the source, a thread reads the next
/// ~256 KiB of items (leaves straight to their offsets in a memory target, or into the unit's own buffer; parents
/// into the unit's pair block), lets go, and verifies the unit while its bytes are still in its cache. So the copy
/// out of the source runs on all cores, each unit is hashed from the cache instead of from RAM, and while one
/// thread waits for the stream the others verify. Units are committed in stream order by one thread at a time (the
/// one that finds the next unit verified): parents saved to the outboard, leaves written to a stream target, the
/// first failure reported — a failure in an earlier unit wins over anything a faster thread found later.
/// </summary>
public sealed partial class ResponseDecoder
{
    /// <summary>Leaf bytes per unit: a few hundred KiB stay in a core's cache between the read and the hashing.</summary>
    private const int UnitBytes = 256 << 10;

    /// <summary>Below this blob size one thread does it all (a helper costs more than it saves).</summary>
    private const ulong UnitParallelThreshold = 512 << 10;

    private async Task DecodeUnitsAsync(Stream? target, Memory<byte>? inPlace, IOutboardWriter? outboard, bool synchronous, CancellationToken cancellationToken)
    {
        var run = new UnitRun(this, target, inPlace, outboard, cancellationToken);
        try
        {
            var helpers = Tree.Size >= UnitParallelThreshold ? WorkRound.DefaultHelpers : 0;
            var tasks = new Task[helpers];
            for (var i = 0; i < helpers; i++)
                tasks[i] = Task.Run(() => run.WorkAsync(synchronous), CancellationToken.None);
            Exception? error = null;
            try
            {
                await run.WorkAsync(synchronous).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;
                run.Abort();
            }
            foreach (var task in tasks)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    error ??= e;
                    run.Abort();
                }
            }
            if (error is not null)
                ExceptionDispatchInfo.Throw(error);
            run.ThrowIfFailed();
        }
        catch (Exception)
        {
            // In place, whatever did not verify must not stay in the caller's memory.
            run.ClearUncommitted();
            throw;
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>
    /// The shared state of one unit-wise decode: the source and walk (under the gate), the order of units and the
    /// committing thread (under a lock).
    /// </summary>
    private sealed class UnitRun(ResponseDecoder decoder, Stream? target, Memory<byte>? inPlace, IOutboardWriter? outboard, CancellationToken cancellationToken)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly object _lock = new();
        private readonly Stack<LeafBatch> _pool = new();
        private readonly List<UnitResult> _results = [];
        private readonly List<LeafBatch> _all = [];
        private BaoChunk? _pending;
        private bool _stop;
        private int _committed;
        private bool _committing;
        private long _written;
        private Exception? _failure;

        /// <summary>Claims, reads, verifies and commits units until the walk is done or something failed.</summary>
        public async Task WorkAsync(bool synchronous)
        {
            while (true)
            {
                if (synchronous)
                    _gate.Wait(CancellationToken.None);
                else
                    await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                UnitResult result;
                try
                {
                    if (Volatile.Read(ref _stop))
                        return;
                    result = Rent();
                    await ReadUnitAsync(result, synchronous).ConfigureAwait(false);
                }
                finally
                {
                    _gate.Release();
                }
                var unit = result.Unit;
                var units = unit.BeginVerify();
                for (var i = 0; i < units; i++)
                    unit.VerifyUnit(i);
                result.Failed = unit.FirstFailure();
                await CommitAsync(result).ConfigureAwait(false);
            }
        }

        // Under the gate: the unit's items, until its leaves fill it, the walk ends or a read fails.
        private async ValueTask ReadUnitAsync(UnitResult result, bool synchronous)
        {
            var unit = result.Unit;
            while (true)
            {
                BaoChunk chunk;
                if (_pending is { } pending)
                {
                    chunk = pending;
                    _pending = null;
                }
                else if (!decoder._walk.TryNext(out chunk))
                {
                    _stop = true;
                    return;
                }
                var length = chunk.Kind == BaoChunkKind.Parent ? 64 : chunk.Size;
                if (chunk.Kind == BaoChunkKind.Leaf && unit.Leaves > 0 && !unit.HasRoomFor(length))
                {
                    _pending = chunk;
                    return;
                }
                var destination = unit.Reserve(chunk);
                try
                {
                    if (synchronous)
                        decoder._source.Read(chunk, destination.Span);
                    else
                        await decoder._source.ReadAsync(chunk, destination, cancellationToken).ConfigureAwait(false);
                    decoder.Admit(unit, chunk);
                }
                catch (Exception e)
                {
                    // Items before this one are still verified and committed; this one is the failure (unless an
                    // earlier item fails), and a partly read leaf must not stay in a memory target.
                    result.ReadError = ExceptionDispatchInfo.Capture(e);
                    result.Unread = chunk.Kind == BaoChunkKind.Leaf && inPlace.HasValue ? destination : default;
                    _stop = true;
                    return;
                }
            }
        }

        // The next unit in stream order, with an empty batch (reused once committed).
        private UnitResult Rent()
        {
            lock (_lock)
            {
                if (!_pool.TryPop(out var unit))
                {
                    // A target that lends storage gets its leaves written from where they were read and verified.
                    unit = new LeafBatch(Math.Max(UnitBytes, (int)decoder.Tree.BlockSize.Bytes + 64), decoder.Tree.BlockSize, inPlace, target as ILeafStorageTarget);
                    _all.Add(unit);
                }
                var result = new UnitResult(unit);
                _results.Add(result);
                return result;
            }
        }

        // Marks the unit verified; the first thread to find the next unit in stream order verified commits units
        // until it reaches one still in flight (one committer at a time keeps the writes in order).
        private async ValueTask CommitAsync(UnitResult result)
        {
            lock (_lock)
            {
                result.Verified = true;
                if (_committing)
                    return;
                _committing = true;
            }
            while (true)
            {
                UnitResult next;
                lock (_lock)
                {
                    if (_committed == _results.Count || !_results[_committed].Verified)
                    {
                        _committing = false;
                        return;
                    }
                    next = _results[_committed++];
                }
                try
                {
                    await CommitUnitAsync(next).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // A failing item, or the target or outboard failing: nothing after it is committed.
                    // (Its leaves before the failing item verified and stay; CommitUnitAsync cleared the rest.)
                    _failure ??= e;
                    Volatile.Write(ref _stop, true);
                    next.Unread.Span.Clear();
                }
                // The storage goes with the unit's writes (lent storage back to the target; nothing else to do).
                next.Unit.ReturnStorage();
                lock (_lock)
                {
                    next.Unit.Clear();
                    _pool.Push(next.Unit);
                }
            }
        }

        // Outboard parents, then (to a stream target) the leaves, of one unit; up to its failing item, if any.
        private async ValueTask CommitUnitAsync(UnitResult next)
        {
            var unit = next.Unit;
            if (_failure is not null)
            {
                // After a failure: nothing more is committed, and no unverified leaf stays in a memory target.
                unit.ClearLeavesFrom(0);
                next.Unread.Span.Clear();
                return;
            }
            if (inPlace.HasValue)
            {
                if (outboard is not null)
                    unit.SaveParents(next.Failed < 0 ? unit.Count : next.Failed, outboard);
                if (next.Failed >= 0)
                {
                    unit.ClearLeavesFrom(next.Failed);
                    throw new BaoVerificationException(BaoFailure.Mismatch, unit.ChunkAt(next.Failed), decoder.Where);
                }
            }
            else
            {
                // Writes what verified (leaves to the target at their offsets) and throws at the failing item.
                _written = await decoder.WriteAsync(unit, next.Failed, target, outboard, _written, cancellationToken).ConfigureAwait(false);
            }
            if (next.ReadError is { } error)
            {
                next.Unread.Span.Clear();
                error.Throw();
            }
        }

        /// <summary>Stops claiming units (another thread failed outside verification).</summary>
        public void Abort() => Volatile.Write(ref _stop, true);

        /// <summary>Throws the first failure in stream order, if any.</summary>
        public void ThrowIfFailed()
        {
            if (_failure is { } failure)
                ExceptionDispatchInfo.Throw(failure);
        }

        /// <summary>After a failure (every worker done): clears the leaves of units not committed in a memory target.</summary>
        public void ClearUncommitted()
        {
            if (!inPlace.HasValue)
                return;
            lock (_lock)
            {
                for (var i = _committed; i < _results.Count; i++)
                {
                    _results[i].Unit.ClearLeavesFrom(0);
                    _results[i].Unread.Span.Clear();
                }
            }
        }

        /// <summary>Returns every unit's pooled buffers.</summary>
        public void Dispose()
        {
            foreach (var unit in _all)
                unit.Dispose();
            _gate.Dispose();
        }
    }

    /// <summary>What a thread found in its unit: the first item that failed verification, or the read that failed.</summary>
    private sealed class UnitResult(LeafBatch unit)
    {
        public readonly LeafBatch Unit = unit;
        public bool Verified;
        public int Failed = -1;
        public ExceptionDispatchInfo? ReadError;
        public Memory<byte> Unread;
    }
}
