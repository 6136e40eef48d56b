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
/// after it opened; it waits for more only while other imports are still being hashed, so a lone import is
/// committed at once. Each caller's task completes when its batch is durable.
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
    private long _batches;

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

    /// <summary>An import starts hashing: a batch being gathered may wait for it.</summary>
    public void BeginPrepare() => Interlocked.Increment(ref _preparing);

    /// <summary>An import failed before it was queued.</summary>
    public void AbandonPrepare() => Interlocked.Decrement(ref _preparing);

    /// <summary>Queues a hashed import; the task completes once its batch is durable.</summary>
    public Task<ImportResult> Enqueue(PendingImport import)
    {
        if (!_queue.Writer.TryWrite(import))
        {
            import.Staged.Dispose();
            import.Done.TrySetException(new ObjectDisposedException(nameof(IBlobStore), "the store is closing; the import was not committed"));
        }
        // Queued first, then no longer preparing: the loop never sees neither.
        Interlocked.Decrement(ref _preparing);
        return import.Done.Task;
    }

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
                    continue;
                }
                var remaining = _delay - Stopwatch.GetElapsedTime(opened);
                if (Volatile.Read(ref _preparing) == 0 || remaining <= TimeSpan.Zero)
                    break;
                var more = reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(more, Task.Delay(remaining)).ConfigureAwait(false) != more || !await more.ConfigureAwait(false))
                    break;
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
                    item.Done.TrySetException(e);
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

/// <summary>A hashed import waiting for its group commit.</summary>
internal sealed class PendingImport(Hash hash, Staged staged, PreOrderOutboard outboard)
{
    public Hash Hash => hash;

    public Staged Staged => staged;

    public PreOrderOutboard Outboard => outboard;

    /// <summary>Bytes the commit must make durable (an in-place import writes at most its outboard).</summary>
    public long DurableBytes => (staged is StagedExternal ? 0 : staged.Length) + (outboard.Data?.Length ?? 0);

    public TaskCompletionSource<ImportResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
