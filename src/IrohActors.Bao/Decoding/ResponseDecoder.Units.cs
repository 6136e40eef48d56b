using System.Runtime.ExceptionServices;

namespace IrohActors.Bao;

/// <summary>
/// Decoding from a stream or pipe into memory in units that every verifying thread claims in turn: holding the
/// source, a thread reads the next ~256 KiB of items (leaves straight to their offsets in the target, parents into
/// the unit's pair block), lets go, and verifies the unit while its bytes are still in its cache. So the copy out of
/// the stream runs on all cores, each unit is hashed from the cache instead of from RAM, and while one thread waits
/// for the stream the others verify. Units are committed in stream order (their parents saved to the outboard, the
/// first failure reported), so a failure in an earlier unit wins over anything later.
/// </summary>
public sealed partial class ResponseDecoder
{
    /// <summary>Leaf bytes per unit: a few hundred KiB stay in a core's cache between the read and the hashing.</summary>
    private const int UnitBytes = 256 << 10;

    /// <summary>Below this blob size one thread does it all (a helper costs more than it saves).</summary>
    private const ulong UnitParallelThreshold = 512 << 10;

    private async Task DecodeUnitsAsync(Memory<byte> target, IOutboardWriter? outboard, bool synchronous, CancellationToken cancellationToken)
    {
        var run = new UnitRun(this, target, outboard);
        try
        {
            try
            {
            var helpers = Tree.Size >= UnitParallelThreshold ? WorkRound.DefaultHelpers : 0;
            var tasks = new Task[helpers];
            for (var i = 0; i < helpers; i++)
                tasks[i] = Task.Run(() => run.WorkAsync(synchronous, cancellationToken), CancellationToken.None);
            Exception? mine = null;
            try
            {
                await run.WorkAsync(synchronous, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                mine = e;
                run.Abort();
            }
            foreach (var task in tasks)
            {
                try
                {
                    if (synchronous)
                        task.GetAwaiter().GetResult();
                    else
                        await task.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    mine ??= e;
                    run.Abort();
                }
            }
            if (mine is not null)
                ExceptionDispatchInfo.Throw(mine);
            run.ThrowIfFailed();
            }
            catch (Exception)
            {
                // Whatever did not verify must not stay in the caller's memory.
                run.ClearUncommitted();
                throw;
            }
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>The shared state of one unit-wise decode: the source and walk (under the gate) and the commit order (under a lock).</summary>
    private sealed class UnitRun(ResponseDecoder decoder, Memory<byte> target, IOutboardWriter? outboard)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly object _commitLock = new();
        private readonly Stack<LeafBatch> _pool = new();
        private readonly List<UnitResult> _results = [];
        private readonly List<LeafBatch> _all = [];
        private BaoChunk? _pending;
        private bool _stop;
        private int _committed;
        private Exception? _failure;

        /// <summary>Claims, reads, verifies and commits units until the walk is done or something failed.</summary>
        public async Task WorkAsync(bool synchronous, CancellationToken cancellationToken)
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
                    await ReadUnitAsync(result.Unit, result, synchronous, cancellationToken).ConfigureAwait(false);
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
                Commit(result);
            }
        }

        // Under the gate: the unit's items, until its leaves fill it, the walk ends or a read fails.
        private async ValueTask ReadUnitAsync(LeafBatch unit, UnitResult result, bool synchronous, CancellationToken cancellationToken)
        {
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
                    // earlier item fails), and a partly read leaf must not stay in the target.
                    result.ReadError = ExceptionDispatchInfo.Capture(e);
                    result.Unread = chunk.Kind == BaoChunkKind.Leaf ? destination : default;
                    _stop = true;
                    return;
                }
            }
        }

        // The next unit in stream order, with an empty batch (reused once committed).
        private UnitResult Rent()
        {
            lock (_commitLock)
            {
                if (!_pool.TryPop(out var unit))
                {
                    unit = new LeafBatch(Math.Max(UnitBytes, (int)decoder.Tree.BlockSize.Bytes + 64), decoder.Tree.BlockSize, target);
                    _all.Add(unit);
                }
                var result = new UnitResult(unit);
                _results.Add(result);
                return result;
            }
        }

        // In stream order: a unit's parents go to the outboard only when every earlier unit verified; the first
        // failure stops the run, and every later leaf is cleared.
        private void Commit(UnitResult result)
        {
            lock (_commitLock)
            {
                result.Verified = true;
                while (_committed < _results.Count && _results[_committed] is { Verified: true } next)
                {
                    _committed++;
                    var unit = next.Unit;
                    if (_failure is not null)
                    {
                        unit.ClearLeavesFrom(0);
                        next.Unread.Span.Clear();
                    }
                    else if (next.Failed >= 0)
                    {
                        if (outboard is not null)
                            unit.SaveParents(next.Failed, outboard);
                        _failure = new BaoVerificationException(BaoFailure.Mismatch, unit.ChunkAt(next.Failed), decoder.Where);
                        unit.ClearLeavesFrom(next.Failed);
                        next.Unread.Span.Clear();
                        _stop = true;
                    }
                    else
                    {
                        if (outboard is not null)
                            unit.SaveParents(unit.Count, outboard);
                        if (next.ReadError is { } error)
                        {
                            _failure = error.SourceException;
                            next.Unread.Span.Clear();
                            _stop = true;
                        }
                    }
                    unit.Clear();
                    _pool.Push(unit);
                }
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

        /// <summary>After a failure: clears the leaves of units not committed (read, maybe not verified).</summary>
        public void ClearUncommitted()
        {
            lock (_commitLock)
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
