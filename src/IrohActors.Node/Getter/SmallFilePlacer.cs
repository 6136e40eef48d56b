using System.Buffers;
using IrohActors.Bao;
using IrohActors.Store;

namespace IrohActors.Node.Getter;

/// <summary>
/// Small children of a placed collection download (≤ <see cref="MaxBytes"/>): the decoding thread only reads each
/// child's encoded item off the connection (<see cref="EncodedSmallBlob"/>); a few writer threads verify it and then
/// create the file at its final path (<see cref="NewFile"/>: create-exclusive, one write, close; covered by the
/// <see cref="PlacementJournal"/> first) — nothing that did not verify is ever written. The files are then made durable
/// together (one <c>syncfs</c> per batch, never a fsync per file) and recorded in the store as blobs referenced in place
/// without reading them again (<see cref="IBlobStore.RecordPlacedFilesAsync"/>), one batch at a time in the
/// background while the download goes on. Memory is bounded: the decoder waits while
/// <see cref="MaxQueuedBytes"/> are queued for the writers. The first failure (a child that does not verify, a file
/// that cannot be created) stops the writers; children a writer had verified before it are placed and recorded.
/// </summary>
internal sealed class SmallFilePlacer
{
    /// <summary>
    /// Children up to this size take this path (verified in memory, placed under the journal, made durable with their
    /// batch). All but the largest files of a source tree: a larger child is written by the store's partial writer on
    /// the decoding thread itself (resumable by range, but with a fsync, a rename and a directory fsync of its own while
    /// the decoder waits), which the kernel tree's 29 files over 4 MiB used to cost in series.
    /// </summary>
    public const long MaxBytes = 16 << 20;

    private const int MaxBatchFiles = 4096;
    private const long MaxBatchBytes = 64 << 20;
    private const long MaxQueuedBytes = 32 << 20;
    private const long FileOverhead = 4096;
    private const int MaxCommitsInFlight = 4;
    // A sleeping writer is woken once this much is queued for it (or at the end), not for every file: a wake-up per file
    // cost a futex call and two context switches each. Below MaxQueuedBytes / writers, so the decoder never waits for
    // space while a writer sleeps.
    private const int WakeJobs = 8;
    private const long WakeBytes = 512 << 10;
    // Rows are recorded for several synced batches at once: each store commit rewrites every B-tree page its (random)
    // hash keys touch, so 78,579 rows in 20 commits wrote ≈ 94,000 WAL pages; the syncfs cadence stays per batch.
    private const int MaxRecordFiles = 16384;

    private readonly IBlobStore _store;
    private readonly DirectoryPlacement _placement;
    private readonly PlacementJournal _journal;
    // One queue per writer; all files of a directory go to the same writer (see Route).
    private readonly WorkQueue<Job>[] _queues;
    private readonly long[] _writerBytes;
    private string _lastDirectory = "";
    private int _writer;
    private readonly WorkQueue<PlacedFile[]> _batches = new(1, 0);
    private readonly Task[] _writers;
    private readonly Task _committer;
    private readonly object _lock = new();
    private readonly List<PlacedFile> _done = [];
    private readonly SemaphoreSlim _commitSlots = new(MaxCommitsInFlight, MaxCommitsInFlight);
    private long _doneBytes;
    private long _queuedBytes;
    private TaskCompletionSource? _space;
    private Exception? _failure;
    private bool _commitFailed;

    /// <summary>Starts <paramref name="writers"/> writer threads placing files under <paramref name="placement"/>.</summary>
    public SmallFilePlacer(IBlobStore store, DirectoryPlacement placement, PlacementJournal journal, int writers)
    {
        _store = store;
        _placement = placement;
        _journal = journal;
        _writers = new Task[Math.Max(1, writers)];
        _queues = new WorkQueue<Job>[_writers.Length];
        _writerBytes = new long[_writers.Length];
        for (var i = 0; i < _writers.Length; i++)
        {
            var queue = _queues[i] = new WorkQueue<Job>(WakeJobs, WakeBytes);
            var writer = i;
            _writers[i] = Task.Factory.StartNew(() => WriteLoop(queue, writer), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        // Commits block in syncfs and SQLite: a thread of their own, not the pool's (which runs the decoder and, in a
        // process that also sends, the provider).
        _committer = Task.Factory.StartNew(CommitLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Writer threads for this machine: the decoder keeps one core busy, file creation is mostly kernel time.</summary>
    public static int DefaultWriters => Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>
    /// Queues child <paramref name="index"/>'s encoded item, to be verified and placed at <paramref name="path"/>; takes
    /// ownership of <paramref name="blob"/>. Completes at once unless too much is queued for the writers.
    /// </summary>
    /// <exception cref="IOException">An earlier child did not verify (<see cref="TransferVerificationException"/>) or could not be placed or recorded (the first failure).</exception>
    public ValueTask AddAsync(ulong index, string path, EncodedSmallBlob blob)
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            blob.Release();
            return ValueTask.FromException(failure);
        }
        try
        {
            // The mark is durable before the file exists: a crash never leaves a file of ours a rerun would refuse.
            _journal.Cover(index);
        }
        catch
        {
            blob.Release();
            throw;
        }
        var cost = blob.Length + FileOverhead;
        Task? wait = null;
        int writer;
        lock (_lock)
        {
            _queuedBytes += cost;
            if (_queuedBytes > MaxQueuedBytes)
                wait = (_space ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            writer = Route(path);
            _writerBytes[writer] += cost;
        }
        _queues[writer].Add(new Job(path, blob, cost), cost);
        return wait is null ? ValueTask.CompletedTask : new ValueTask(wait);
    }

    /// <summary>
    /// Writes what is queued, commits every placed file (also after a failure of the download: a rerun skips them)
    /// and waits for all commits; throws the first failure. Call once, at the end.
    /// </summary>
    public async Task CompleteAsync()
    {
        foreach (var queue in _queues)
            queue.CompleteAdding();
        await Task.WhenAll(_writers).ConfigureAwait(false);
        PlacedFile[] rest;
        lock (_lock)
        {
            rest = [.. _done];
            _done.Clear();
        }
        if (rest.Length > 0)
            StartCommit(rest);
        _batches.CompleteAdding();
        await _committer.ConfigureAwait(false);
        if (Volatile.Read(ref _failure) is { } failure)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>
    /// The writer for a file at <paramref name="path"/> (under the lock): the same as the previous file's while the directory
    /// stays the same, else the least loaded one. Two threads creating files in one directory serialize on its inode lock,
    /// and the waiting one spins in the kernel while the other allocates an inode (siblings follow each other in a
    /// collection, so both writers were almost always in the same directory: ≈ 1 s of spinning per kernel tree on ext4, up
    /// to 9 s while the ext4 trap of measured-here.md slowed inode allocation).
    /// </summary>
    private int Route(string path)
    {
        var directory = path.AsSpan(0, Math.Max(0, path.LastIndexOf(Path.DirectorySeparatorChar)));
        if (directory.SequenceEqual(_lastDirectory))
            return _writer;
        _lastDirectory = directory.ToString();
        var least = 0;
        for (var i = 1; i < _writerBytes.Length; i++)
            if (_writerBytes[i] < _writerBytes[least])
                least = i;
        return _writer = least;
    }

    private void WriteLoop(WorkQueue<Job> queue, int writer)
    {
        while (queue.TryTake(out var job))
        {
            byte[]? data = null;
            try
            {
                if (Volatile.Read(ref _failure) is null)
                {
                    var blob = job.Blob;
                    var outboard = PreOrderOutboard.CreateEmpty(blob.Tree, blob.Hash);
                    // Verified first, written after: a child that does not verify never reaches its name.
                    data = blob.Verify(outboard);
                    var length = (int)blob.Tree.Size;
                    var mtime = NewFile.Write(job.Path, data.AsSpan(0, length));
                    Placed(new PlacedFile(job.Path, length, mtime, outboard));
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                job.Blob.Release();
                if (data is not null)
                    ArrayPool<byte>.Shared.Return(data);
                TaskCompletionSource? space = null;
                lock (_lock)
                {
                    _queuedBytes -= job.Cost;
                    _writerBytes[writer] -= job.Cost;
                    if (_space is not null && _queuedBytes <= MaxQueuedBytes / 2)
                    {
                        space = _space;
                        _space = null;
                    }
                }
                space?.TrySetResult();
            }
        }
    }

    private void Placed(PlacedFile file)
    {
        PlacedFile[]? batch = null;
        lock (_lock)
        {
            _done.Add(file);
            _doneBytes += file.Length;
            if (_done.Count >= MaxBatchFiles || _doneBytes >= MaxBatchBytes)
            {
                batch = [.. _done];
                _done.Clear();
                _doneBytes = 0;
            }
        }
        if (batch is not null)
            StartCommit(batch);
    }

    /// <summary>Queues a batch's commit behind the previous ones; blocks the (writer) thread while too many are queued.</summary>
    private void StartCommit(PlacedFile[] batch)
    {
        _commitSlots.Wait();
        _batches.Add(batch, 0);
    }

    // The committer thread: batches in order, each made durable (syncfs) as it comes, their rows recorded
    // MaxRecordFiles at a time and at the end; after a failed commit, none of the later ones (a rerun places them again).
    private void CommitLoop()
    {
        var synced = new List<PlacedFile>();
        while (_batches.TryTake(out var batch))
        {
            try
            {
                if (!_commitFailed)
                {
                    // Durable first (one barrier for the whole batch), recorded after: the store never refers to unsynced bytes.
                    SyncFileSystem(_placement.Root);
                    synced.AddRange(batch);
                    if (synced.Count >= MaxRecordFiles)
                        Record(synced);
                }
            }
            catch (Exception e)
            {
                _commitFailed = true;
                Fail(e);
            }
            finally
            {
                _commitSlots.Release();
            }
        }
        try
        {
            if (!_commitFailed && synced.Count > 0)
                Record(synced);
        }
        catch (Exception e)
        {
            _commitFailed = true;
            Fail(e);
        }
    }

    private void Record(List<PlacedFile> synced)
    {
        _store.RecordPlacedFilesAsync(synced, CancellationToken.None).GetAwaiter().GetResult();
        foreach (var file in synced)
            _placement.MarkPlaced(file.Path, known: true);
        synced.Clear();
    }

    private void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _failure, e, null);
        TaskCompletionSource? space;
        lock (_lock)
        {
            space = _space;
            _space = null;
        }
        // The decoder must not wait for space the failed writers will never free.
        space?.TrySetResult();
    }

    /// <summary>Makes every file written so far on the file system of <paramref name="directory"/> durable (Linux <c>syncfs</c>; elsewhere a fsync per file was not made, so nothing).</summary>
    private static void SyncFileSystem(string directory)
    {
        if (LibC.Available)
            LibC.OnDescriptor(directory, LibC.SyncFs, "syncfs");
    }

    private readonly record struct Job(string Path, EncodedSmallBlob Blob, long Cost);

    /// <summary>
    /// Work for the writer and committer threads, in order. A thread with nothing to do sleeps at once:
    /// <c>BlockingCollection</c>'s semaphore spun (<c>sched_yield</c>) first, taking CPU from the decoding thread and the
    /// sender on two cores.
    /// </summary>
    private sealed class WorkQueue<T>(int wakeJobs, long wakeBytes)
    {
        private readonly Queue<(T Job, long Bytes)> _jobs = new();
        private long _bytes;
        private bool _completed;
        private int _sleeping;

        /// <summary>Queues a job of <paramref name="bytes"/>; wakes a sleeping taker once the queue holds the wake-up amount.</summary>
        public void Add(T job, long bytes)
        {
            lock (_jobs)
            {
                if (_completed)
                    throw new InvalidOperationException("the queue is complete");
                _jobs.Enqueue((job, bytes));
                _bytes += bytes;
                if (_sleeping > 0 && (_jobs.Count >= wakeJobs || _bytes >= wakeBytes))
                    Monitor.Pulse(_jobs);
            }
        }

        /// <summary>No more jobs: the writers finish what is queued and stop.</summary>
        public void CompleteAdding()
        {
            lock (_jobs)
            {
                _completed = true;
                Monitor.PulseAll(_jobs);
            }
        }

        /// <summary>The next job, waiting for one (sleeping until the wake-up amount is queued, or the queue completes); false once completed and empty.</summary>
        public bool TryTake([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T job)
        {
            lock (_jobs)
            {
                while (_jobs.Count == 0)
                {
                    if (_completed)
                    {
                        job = default;
                        return false;
                    }
                    _sleeping++;
                    Monitor.Wait(_jobs);
                    _sleeping--;
                }
                var (next, bytes) = _jobs.Dequeue();
                _bytes -= bytes;
                job = next;
                return true;
            }
        }
    }
}
