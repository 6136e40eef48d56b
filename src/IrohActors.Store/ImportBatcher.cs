using System.Diagnostics;
using System.Threading.Channels;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store.Backends;

namespace IrohActors.Store;

/// <summary>
/// Group commit: hashed imports queue here and are committed in batches (one transaction and one durability
/// barrier each). A batch closes at <see cref="StoreOptions.CommitBatchItems"/> imports,
/// <see cref="StoreOptions.CommitBatchBytes"/> bytes to make durable, or <see cref="StoreOptions.CommitBatchDelay"/>
/// after it opened (<see cref="BulkDelay"/> while a bulk import has announced more files); it waits for more only while
/// other imports are still being hashed or announced, so a lone import is committed at once. Each caller's task (or
/// <see cref="ImportSet"/>) completes when its batch is durable.
/// </summary>
internal sealed class ImportBatcher : IAsyncDisposable
{
    private readonly Channel<PendingImport> _queue = Channel.CreateUnbounded<PendingImport>();
    private readonly Func<List<PendingImport>, Task> _commit;
    private readonly int _maxItems;
    private readonly long _maxBytes;
    private readonly TimeSpan _delay;
    private readonly Task _loop;
    private int _preparing;
    private int _announced;
    private long _batches;

    // Imports and bytes queued but not yet taken into a batch, and what the waiting batch still needs to be full.
    private int _queuedItems;
    private long _queuedBytes;
    private int _neededItems = int.MaxValue;
    private long _neededBytes = long.MaxValue;
    private TaskCompletionSource? _wake;

    /// <summary>Starts the commit loop; <paramref name="commit"/> completes (or fails) every import of a batch.</summary>
    public ImportBatcher(StoreOptions options, Func<List<PendingImport>, Task> commit)
    {
        _commit = commit;
        _maxItems = Math.Max(1, options.CommitBatchItems);
        _maxBytes = Math.Max(1, options.CommitBatchBytes);
        _delay = options.CommitBatchDelay;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Batches committed so far (each one transaction and one durability barrier).</summary>
    public long CommittedBatches => Interlocked.Read(ref _batches);

    /// <summary>
    /// Imports of a bulk call (<see cref="IBlobStore.ImportFilesAsync"/>) still to be queued (<paramref name="delta"/> &gt; 0
    /// announces, &lt; 0 withdraws or marks queued): while some are announced a batch waits for up to
    /// <see cref="BulkDelay"/> (not <see cref="StoreOptions.CommitBatchDelay"/>) to fill, because nobody waits for a
    /// single one of them and every commit rewrites the index pages it touches — fewer, fuller batches write less.
    /// </summary>
    public void Announce(int delta)
    {
        Interlocked.Add(ref _announced, delta);
        WakeIfReady();
    }

    /// <summary>How long a batch waits to fill while a bulk import announced more.</summary>
    public static readonly TimeSpan BulkDelay = TimeSpan.FromSeconds(1);

    /// <summary>An import starts hashing: a batch being gathered may wait for it.</summary>
    public void BeginPrepare() => Interlocked.Increment(ref _preparing);

    /// <summary>An import failed before it was queued.</summary>
    public void AbandonPrepare()
    {
        Interlocked.Decrement(ref _preparing);
        WakeIfReady();
    }

    /// <summary>Queues a hashed import; it reports (<see cref="PendingImport.Complete"/>) once its batch is durable.</summary>
    public void Enqueue(PendingImport import)
    {
        if (_queue.Writer.TryWrite(import))
        {
            Interlocked.Add(ref _queuedBytes, import.DurableBytes);
            Interlocked.Increment(ref _queuedItems);
        }
        else
        {
            import.Staged.Dispose();
            import.Fail(new ObjectDisposedException(nameof(IBlobStore), "the store is closing; the import was not committed"));
        }
        // Queued first, then no longer preparing: the loop never sees neither.
        Interlocked.Decrement(ref _preparing);
        WakeIfReady();
    }

    /// <summary>Wakes a batch waiting to fill once it can be full, or once nothing more is coming.</summary>
    private void WakeIfReady()
    {
        if (Volatile.Read(ref _wake) is { } wake && ReadyToClose())
            wake.TrySetResult();
    }

    private bool ReadyToClose() =>
        Volatile.Read(ref _queuedItems) >= Volatile.Read(ref _neededItems)
        || Volatile.Read(ref _queuedBytes) >= Volatile.Read(ref _neededBytes)
        || Volatile.Read(ref _announced) <= 0 && Volatile.Read(ref _preparing) == 0;

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingImport>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            long bytes = 0;
            var opened = Stopwatch.GetTimestamp();
            while (batch.Count < _maxItems && bytes < _maxBytes)
            {
                if (reader.TryRead(out var item))
                {
                    batch.Add(item);
                    bytes += item.DurableBytes;
                    Interlocked.Decrement(ref _queuedItems);
                    Interlocked.Add(ref _queuedBytes, -item.DurableBytes);
                    continue;
                }
                var bulk = Volatile.Read(ref _announced) > 0;
                var remaining = (bulk ? BulkDelay : _delay) - Stopwatch.GetElapsedTime(opened);
                if (!bulk && Volatile.Read(ref _preparing) == 0 || remaining <= TimeSpan.Zero)
                    break;
                // Sleep until the queue can fill the batch, nothing more is coming, or time is up: one wake-up, not one
                // per queued import (a wake-up each, or polling, cost the thread pool more than the commits saved).
                var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _neededItems, _maxItems - batch.Count);
                Volatile.Write(ref _neededBytes, _maxBytes - bytes);
                // A full fence: either this check sees a producer's last change, or that producer sees the waiter.
                Interlocked.Exchange(ref _wake, wake);
                if (!ReadyToClose())
                    await Task.WhenAny(wake.Task, Task.Delay(remaining)).ConfigureAwait(false);
                Volatile.Write(ref _wake, null);
                Volatile.Write(ref _neededItems, int.MaxValue);
                Volatile.Write(ref _neededBytes, long.MaxValue);
            }
            if (batch.Count == 0)
                continue;
            try
            {
                Interlocked.Increment(ref _batches);
                await _commit(batch).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                foreach (var item in batch)
                    item.Fail(e);
            }
            batch.Clear();
        }
    }

    /// <summary>Commits what is queued, then stops; later imports fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}

/// <summary>A hashed import waiting for its group commit; its outcome goes to one caller's task or to a <see cref="ImportSet"/>.</summary>
internal sealed class PendingImport
{
    private readonly TaskCompletionSource<ImportResult>? _done;
    private readonly ImportSet? _set;
    private readonly int _index;

    /// <summary>An import of its own: the outcome completes <see cref="Completion"/>.</summary>
    public PendingImport(Hash hash, Staged staged, PreOrderOutboard outboard)
    {
        Hash = hash;
        Staged = staged;
        Outboard = outboard;
        _done = new TaskCompletionSource<ImportResult>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Import number <paramref name="index"/> of <paramref name="set"/> (no task of its own).</summary>
    public PendingImport(Hash hash, Staged staged, PreOrderOutboard outboard, ImportSet set, int index)
    {
        Hash = hash;
        Staged = staged;
        Outboard = outboard;
        _set = set;
        _index = index;
    }

    public Hash Hash { get; }

    public Staged Staged { get; }

    public PreOrderOutboard Outboard { get; }

    /// <summary>Bytes the commit must make durable (an in-place import writes at most its outboard).</summary>
    public long DurableBytes => (Staged is StagedExternal ? 0 : Staged.Length) + (Outboard.Data?.Length ?? 0);

    /// <summary>Completes when the import is durable (imports of an <see cref="ImportSet"/> report there instead).</summary>
    public Task<ImportResult> Completion => _done?.Task ?? throw new InvalidOperationException("an import of a set reports to its set");

    /// <summary>The import is durable and pinned.</summary>
    public void Complete(ImportResult result)
    {
        if (_set is not null)
            _set.Complete(_index, result);
        else
            _done!.TrySetResult(result);
    }

    /// <summary>The import was not committed.</summary>
    public void Fail(Exception error)
    {
        if (_set is not null)
            _set.Fail(error);
        else
            _done!.TrySetException(error);
    }
}

/// <summary>
/// The imports of one <see cref="IBlobStore.ImportFilesAsync"/> call: results land in one array and one task
/// completes when every queued import reported, instead of a task per file.
/// </summary>
internal sealed class ImportSet(int count)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failure;

    // One count for the caller until it has queued everything (Seal), plus one per queued import.
    private int _outstanding = 1;

    /// <summary>The results, by index; an entry stays null when its import failed or was never queued.</summary>
    public ImportResult?[] Results { get; } = new ImportResult?[count];

    /// <summary>The first failure of a queued import, if any.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>An import is about to be queued.</summary>
    public void Add() => Interlocked.Increment(ref _outstanding);

    /// <summary>Nothing more will be queued: the returned task completes once every queued import reported.</summary>
    public Task SealAsync()
    {
        Release();
        return _done.Task;
    }

    public void Complete(int index, ImportResult result)
    {
        Results[index] = result;
        Release();
    }

    public void Fail(Exception error)
    {
        Interlocked.CompareExchange(ref _failure, error, null);
        Release();
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0)
            _done.TrySetResult();
    }
}
