using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store.Backends;

namespace IrohActors.Store;

/// <summary>
/// The store's behaviour over a backend (memory or file system): imports, readers, writers, tags, temporary
/// tags, observers and garbage collection. Everything that adds a blob or changes what pins blobs runs under
/// one gate together with the pin it creates, and GC marks and sweeps under that gate, so no new or pinned
/// blob can fall between GC's snapshot and its sweep.
/// </summary>
internal sealed class StoreEngine : IBlobStore
{
    private readonly IStorageBackend _backend;
    private readonly StoreOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _pinLock = new();
    private readonly Dictionary<Hash, int> _tempPins = [];
    private readonly HashSet<TempTag> _tempTags = [];
    private readonly Dictionary<Hash, BlobWriter> _writers = [];
    private readonly Dictionary<Hash, List<Channel<BlobStatus>>> _observers = [];
    private readonly ImportBatcher _batcher;
    private readonly RecentImportCache? _recent;

    public StoreEngine(IStorageBackend backend, StoreOptions options)
        : this(backend, options, null)
    {
    }

    /// <summary>The store, its recent-import cache on <paramref name="time"/> (tests move a manual clock).</summary>
    internal StoreEngine(IStorageBackend backend, StoreOptions options, TimeProvider? time)
    {
        _backend = backend;
        _options = options;
        _batcher = new ImportBatcher(options, CommitBatchAsync);
        if (options.RecentImportCacheBytes is > 0 and < RecentImportCache.SlabBytes)
            throw new ArgumentException($"StoreOptions.RecentImportCacheBytes must be 0 (none) or at least {RecentImportCache.SlabBytes} bytes, got {options.RecentImportCacheBytes}", nameof(options));
        if (options.RecentImportCacheBytes > 0)
            _recent = new RecentImportCache(options.RecentImportCacheBytes, options.RecentImportCacheTimeToLive, Math.Min(RecentImportCache.MaxBlobBytes, (int)options.BlockSize.Bytes), time);
        // A crash between recording the last ranges and promoting leaves a partial blob with every chunk: finish it.
        foreach (var entry in backend.List())
            if (entry.State == BlobState.Partial && entry.SizeProved && entry.Ranges == MemoryBackend.FullRanges(entry.Size))
            {
                try
                {
                    backend.Promote(entry.Hash, new BaoTree(entry.Size, options.BlockSize));
                }
                catch (IOException)
                {
                    // A placed blob whose final path was taken meanwhile stays partial; its writer reports it when reopened.
                }
            }
    }

    public BlockSize BlockSize => _options.BlockSize;

    internal IStorageBackend Backend => _backend;

    internal StoreOptions Options => _options;

    internal ImportBatcher Batcher => _batcher;

    /// <summary>The bytes of small blobs recently imported in place (null when <see cref="StoreOptions.RecentImportCacheBytes"/> is 0).</summary>
    internal RecentImportCache? Recent => _recent;

    public Task<ImportResult> ImportBytesAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        ImportAsync(() => new StagedBytes(data.ToArray(), data.Length), cancellationToken);

    public Task<ImportResult> ImportStreamAsync(Stream data, CancellationToken cancellationToken = default) =>
        ImportAsync(() => _backend.StageStream(data, cancellationToken), cancellationToken);

    public Task<ImportResult> ImportFileAsync(string path, ImportMode mode = ImportMode.Copy, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        return ImportAsync(() => StageFile(full, mode, cancellationToken), cancellationToken);
    }

    public Task<IReadOnlyList<ImportResult>> ImportFilesAsync(IReadOnlyList<string> paths, ImportMode mode = ImportMode.Copy, CancellationToken cancellationToken = default) =>
        ImportFilesCoreAsync(paths, mode, null, cancellationToken);

    public Task<IReadOnlyList<ImportResult>> ImportFilesAsync(IReadOnlyList<string> paths, ImportMode mode, Action<IReadOnlyList<HashedBlob>> onHashed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onHashed);
        return ImportFilesCoreAsync(paths, mode, onHashed, cancellationToken);
    }

    private async Task<IReadOnlyList<ImportResult>> ImportFilesCoreAsync(IReadOnlyList<string> paths, ImportMode mode, Action<IReadOnlyList<HashedBlob>>? onHashed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        // Paths are made full by the workers, in parallel, rather than all of them here before any hashing starts.
        var full = paths as string[] ?? [.. paths];
        var set = new ImportSet(full.Length);
        var work = new ImportFilesWork(this, full, mode, set, onHashed is null ? null : new HashedBlob[full.Length], cancellationToken);
        // Workers are threads of their own: hashing a large file blocks on reads that themselves need pool threads. One
        // per core to start; more, up to import-concurrency, only while the cores are not kept busy: a file not in the
        // page cache blocks its worker on the device, not on a core, and warm, extra workers only take turns on the cores.
        var most = Math.Min(_options.EffectiveImportConcurrency, Math.Max(1, full.Length));
        var workers = new List<Task>(most);
        _batcher.Announce(full.Length);
        try
        {
            for (var w = 0; w < Math.Min(most, Environment.ProcessorCount); w++)
                workers.Add(work.Start());
            if (workers.Count < most)
                await AddWorkersWhileCoresIdleAsync(work, workers, most).ConfigureAwait(false);
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        finally
        {
            // Imports that were never queued (a failure or cancellation stopped the workers) are no longer coming.
            _batcher.Announce(-(full.Length - work.Queued));
        }
        // All hashed and queued: the caller may start on the hashes while the last batches commit.
        Exception? reportFailure = null;
        if (onHashed is not null && work.Failure is null && work.Queued == full.Length && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                onHashed(work.Hashed!);
            }
            catch (Exception e)
            {
                reportFailure = e;
            }
        }
        // Every queued import runs to its commit (that part is not cancellable); after a failure their pins go.
        await set.SealAsync().ConfigureAwait(false);
        var failure = work.Failure ?? set.Failure ?? reportFailure;
        if (failure is null && cancellationToken.IsCancellationRequested)
            failure = new OperationCanceledException(cancellationToken);
        if (failure is not null)
        {
            foreach (var result in set.Results)
                result?.Dispose();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        return set.Results!;
    }

    /// <summary>How often a batch import checks whether its workers keep the cores busy.</summary>
    private static readonly TimeSpan WorkerCheckInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Adds a worker whenever, over two checks in a row, the process used less than three quarters of the cores while
    /// reading from the device (Linux's <c>/proc/self/io</c> <c>read_bytes</c> grew; elsewhere idle cores alone count),
    /// until <paramref name="most"/> run or no file is left. Returns once no more will be added. Idle cores alone are not
    /// enough: the import's start (the first commit, JIT) and its tail leave cores idle without any read waiting.
    /// </summary>
    private static async Task AddWorkersWhileCoresIdleAsync(ImportFilesWork work, List<Task> workers, int most)
    {
        try
        {
            await AddWorkersCoreAsync(work, workers, most).ConfigureAwait(false);
        }
        catch (PlatformNotSupportedException)
        {
            // No process CPU time here: the import goes on with the workers it has.
        }
    }

    private static async Task AddWorkersCoreAsync(ImportFilesWork work, List<Task> workers, int most)
    {
        var cores = Environment.ProcessorCount;
        var idleChecks = 0;
        var cpu = Environment.CpuUsage.TotalTime;
        var fromDevice = DeviceReadBytes();
        var since = Stopwatch.GetTimestamp();
        while (workers.Count < most && work.HasMore)
        {
            // The workers finishing ends the wait early: a small import does not wait for the interval.
            await Task.WhenAny(Task.Delay(WorkerCheckInterval), Task.WhenAll(workers)).ConfigureAwait(false);
            var now = Environment.CpuUsage.TotalTime;
            var elapsed = Stopwatch.GetElapsedTime(since);
            var readNow = DeviceReadBytes();
            var waiting = now - cpu < elapsed * cores * 0.75 && (readNow is null || readNow > fromDevice);
            idleChecks = waiting ? idleChecks + 1 : 0;
            if (idleChecks >= 2 && work.HasMore)
            {
                workers.Add(work.Start());
                idleChecks = 0;
            }
            cpu = now;
            fromDevice = readNow;
            since = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Bytes this process has caused to be read from storage devices (not the page cache); null where unknown.</summary>
    private static long? DeviceReadBytes()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/io"))
                if (line.StartsWith("read_bytes:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan("read_bytes:".Length), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }

    /// <summary>
    /// The hashing side of one <see cref="ImportFilesAsync"/> call: each worker thread takes the next file, hashes it
    /// on that thread and queues it for the group commit without waiting, so many files share each batch. No task,
    /// closure or completion source per file.
    /// </summary>
    private sealed class ImportFilesWork(StoreEngine engine, string[] paths, ImportMode mode, ImportSet set, HashedBlob[]? hashed, CancellationToken cancellationToken)
    {
        /// <summary>Each file's hash and size by index, when the caller wants them before the commits (else null).</summary>
        public HashedBlob[]? Hashed => hashed;

        private int _next = -1;
        private int _queued;
        private Exception? _failure;

        /// <summary>Imports queued for the commit so far.</summary>
        public int Queued => Volatile.Read(ref _queued);

        /// <summary>The first error of hashing or staging (the commit's errors are the set's).</summary>
        public Exception? Failure => Volatile.Read(ref _failure);

        /// <summary>Whether files are left for a worker to take (and nothing failed or was cancelled).</summary>
        public bool HasMore => Volatile.Read(ref _failure) is null && !cancellationToken.IsCancellationRequested && Volatile.Read(ref _next) + 1 < paths.Length;

        /// <summary>Starts one more worker thread.</summary>
        public Task Start() => Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        private void Run()
        {
            var batcher = engine._batcher;
            int i;
            while (Volatile.Read(ref _failure) is null && !cancellationToken.IsCancellationRequested && (i = Interlocked.Increment(ref _next)) < paths.Length)
            {
                batcher.BeginPrepare();
                PendingImport pending;
                try
                {
                    var staged = engine.StageFile(Path.GetFullPath(paths[i]), mode, cancellationToken);
                    try
                    {
                        var outboard = staged.Outboard ?? engine.ComputeOutboard(staged);
                        pending = new PendingImport(outboard.Root, staged, outboard, set, i);
                        if (hashed is not null)
                            hashed[i] = new HashedBlob(outboard.Root, (ulong)staged.Length);
                    }
                    catch
                    {
                        staged.Dispose();
                        throw;
                    }
                }
                catch (Exception e)
                {
                    batcher.AbandonPrepare();
                    Interlocked.CompareExchange(ref _failure, e, null);
                    return;
                }
                set.Add();
                batcher.Enqueue(pending);
                Interlocked.Increment(ref _queued);
                batcher.Announce(-1);
            }
        }
    }

    public async Task RecordPlacedFilesAsync(IReadOnlyList<PlacedFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var file in files)
            if (file.Outboard.Tree.Size != (ulong)file.Length || file.Outboard.Tree.BlockSize != BlockSize)
                throw new ArgumentException($"{file.Path}: the outboard describes {file.Outboard.Tree.Size} bytes at chunk log {file.Outboard.Tree.BlockSize.ChunkLog}, the file has {file.Length} bytes and the store uses chunk log {BlockSize.ChunkLog}", nameof(files));
        cancellationToken.ThrowIfCancellationRequested();
        // Already hashed (verified while received): straight to the group commit, no staging thread. Announced as
        // a bulk import so that the files share as few commits as possible; one ImportSet for the call (results in one
        // array, one task) rather than a completion source and a task per file.
        var set = new ImportSet(files.Count);
        var pending = new PendingImport[files.Count];
        for (var i = 0; i < files.Count; i++)
            pending[i] = new PendingImport(files[i].Hash, new StagedExternal(FullPath(files[i].Path), files[i].Length, files[i].LastWriteTimeUtcTicks), files[i].Outboard, set, i);
        _batcher.Announce(pending.Length);
        for (var i = 0; i < pending.Length; i++)
        {
            _batcher.BeginPrepare();
            set.Add();
            _batcher.Enqueue(pending[i]);
            _batcher.Announce(-1);
        }
        await set.SealAsync().ConfigureAwait(false);
        foreach (var result in set.Results)
            result?.Dispose();
        if (set.Failure is { } failure)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>
    /// <paramref name="path"/> as <see cref="Path.GetFullPath(string)"/> gives it, without its work when the path is
    /// already in that form (rooted, on Unix, with no empty, <c>.</c> or <c>..</c> segment and no trailing separator):
    /// a receive records tens of thousands of paths it built that way.
    /// </summary>
    private static string FullPath(string path)
    {
        var span = path.AsSpan();
        if (OperatingSystem.IsWindows() || span.Length < 2 || span[0] != '/' || span[^1] == '/' || span.Contains('\0')
            || span.IndexOf("//") >= 0 || span.IndexOf("/./") >= 0 || span.IndexOf("/../") >= 0 || span.EndsWith("/.") || span.EndsWith("/.."))
            return Path.GetFullPath(path);
        return path;
    }

    private Staged StageFile(string fullPath, ImportMode mode, CancellationToken cancellationToken) =>
        mode == ImportMode.InPlace ? InPlaceHasher.Stage(fullPath, BlockSize, _recent) : _backend.StageFile(fullPath, cancellationToken);

    private async Task<ImportResult> ImportAsync(Func<Staged> stage, CancellationToken cancellationToken)
    {
        _batcher.BeginPrepare();
        PendingImport pending;
        try
        {
            // A thread of its own: hashing a large file blocks on reads that themselves run on pool threads.
            pending = await Task.Factory.StartNew(() => Prepare(stage), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        catch
        {
            _batcher.AbandonPrepare();
            throw;
        }
        _batcher.Enqueue(pending);
        return await pending.Completion.ConfigureAwait(false);
    }

    /// <summary>Stages and hashes one import (the staging may have hashed it while copying).</summary>
    private PendingImport Prepare(Func<Staged> stage)
    {
        var staged = stage();
        try
        {
            var outboard = staged.Outboard ?? ComputeOutboard(staged);
            return new PendingImport(outboard.Root, staged, outboard);
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Commits a batch of hashed imports (called by the batcher, one batch at a time): rows and files under the gate
    /// together with each import's pin, so GC cannot sweep a blob between its commit and its temporary tag. The gate
    /// is awaited, not waited for: async waiters are served in order, so a GC run back to back cannot starve a commit
    /// (a blocking Wait lost the race for the released gate to the next GC hundreds of thousands of times in a row).
    /// </summary>
    private async Task CommitBatchAsync(List<PendingImport> batch)
    {
        var results = new ImportResult[batch.Count];
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _backend.CommitBatch(batch);
            for (var i = 0; i < batch.Count; i++)
                results[i] = new ImportResult(batch[i].Hash, (ulong)batch[i].Staged.Length, Pin(batch[i].Hash, BlobFormat.Raw));
        }
        finally
        {
            _gate.Release();
            foreach (var item in batch)
                item.Staged.Dispose();
        }
        for (var i = 0; i < batch.Count; i++)
        {
            Notify(batch[i].Hash);
            batch[i].Complete(results[i]);
        }
    }

    private PreOrderOutboard ComputeOutboard(Staged staged)
    {
        switch (staged)
        {
            case StagedBytes bytes:
                return InPlaceHasher.FromMemory(bytes.Memory, BlockSize);
            case StagedFile file:
                return PreOrderOutboard.CreateFromFile(file.Path, BlockSize);
            default:
                throw new ArgumentException($"unknown staged data {staged.GetType().Name}", nameof(staged));
        }
    }

    public async Task ExportAsync(Hash hash, string path, ExportMode mode = ExportMode.Copy, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(path);
        if (File.Exists(target) || Directory.Exists(target))
            throw new IOException($"export of {hash}: {target} already exists");
        var entry = RequireComplete(hash);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (mode == ExportMode.TryHardLink && entry.Data == DataLocation.Owned)
        {
            // Verify the whole file before sharing its inode.
            using (var reader = OpenVerified(entry, ChunkRanges.All))
                await reader.CopyDataToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            if (_backend.TryHardLink(entry, target))
                return;
        }
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.export");
        try
        {
            using (var reader = OpenVerified(entry, ChunkRanges.All))
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                if (entry.Size > 0)
                    output.SetLength((long)entry.Size);
                await reader.CopyDataToAsync(output, cancellationToken).ConfigureAwait(false);
            }
            File.Move(temp, target);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public Task<BlobReader> OpenReaderAsync(Hash hash, ChunkRanges ranges, CancellationToken cancellationToken = default)
    {
        var entry = _backend.Get(hash);
        if (entry is null || entry.State == BlobState.Absent)
            throw new BlobNotFoundException(hash, ranges);
        if (entry.State == BlobState.Corrupt)
            throw new BlobNotFoundException(hash, ranges, "marked corrupt; import it again");
        if (entry.State == BlobState.Partial)
        {
            var present = CurrentStatus(hash).Ranges;
            var wanted = ranges.Truncate(entry.Size) & MemoryBackend.FullRanges(entry.Size);
            var missing = wanted - present;
            if (!missing.IsEmpty)
                throw new BlobNotFoundException(hash, missing);
        }
        return Task.FromResult(OpenVerified(entry, ranges));
    }

    public Task<BlobLookup> LookUpAsync(IReadOnlyList<Hash> hashes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var found = _backend.GetMany(hashes);
        return Task.FromResult(new BlobLookup(
            (hash, ranges, ct) => OpenLookedUp(found, hash, ranges, ct),
            hash => found.TryGetValue(hash, out var row) && row.Entry.State == BlobState.Complete ? row.Entry.Size : null));
    }

    /// <summary>
    /// A reader from a looked-up row when the blob was complete then (its bytes are verified as they are read, so a row
    /// grown stale can only fail verification, never serve wrong bytes); anything else, or a file gone meanwhile,
    /// takes the single-blob path, which reads the row again.
    /// </summary>
    private ValueTask<BlobReader> OpenLookedUp(Dictionary<Hash, LookedUpEntry> found, Hash hash, ChunkRanges ranges, CancellationToken cancellationToken)
    {
        if (found.TryGetValue(hash, out var row) && row.Entry.State == BlobState.Complete)
        {
            if (TryOpenRecent(row.Entry, ranges) is { } recent)
                return ValueTask.FromResult(recent);
            BlobData? data = null;
            try
            {
                data = _backend.OpenData(row);
            }
            catch (FileNotFoundException)
            {
                // Deleted or replaced since the lookup: the single-blob path says what it is now.
            }
            if (data is not null)
                return ValueTask.FromResult(OpenVerified(row.Entry, data, ranges));
        }
        return new ValueTask<BlobReader>(OpenReaderAsync(hash, ranges, cancellationToken));
    }

    /// <summary>
    /// Opens a reader over a complete or partial entry: from the bytes a recent import hashed when they are still held,
    /// else from storage, checking an in-place file for edits first.
    /// </summary>
    private BlobReader OpenVerified(Entry entry, ChunkRanges ranges)
    {
        if (entry.State == BlobState.Complete && TryOpenRecent(entry, ranges) is { } recent)
            return recent;
        BlobData data;
        try
        {
            data = _backend.OpenData(entry);
        }
        catch (FileNotFoundException e)
        {
            throw Corrupt(entry.Hash, 0, "its file is gone", e);
        }
        return OpenVerified(entry, data, ranges);
    }

    /// <summary>
    /// A reader over the bytes a recent in-place import of this blob hashed (<see cref="RecentImportCache"/>), which are
    /// its content whatever became of the file since; null when they are not held. Only small one-group blobs are kept.
    /// </summary>
    private BlobReader? TryOpenRecent(Entry entry, ChunkRanges ranges)
    {
        if (_recent?.TryLease(entry.Hash) is not { } lease)
            return null;
        if ((ulong)lease.Length != entry.Size)
        {
            // Another blob's bytes cannot sit under this hash; a size that differs is a row that is not this content.
            ((IDisposable)lease).Dispose();
            return null;
        }
        var tree = new BaoTree(entry.Size, BlockSize);
        var data = new BlobData(tree, PreOrderOutboard.FromBytes(tree, entry.Hash, []), lease.Memory, null, "recent import", lease) { LeavesVerified = true };
        return new BlobReader(entry.Hash, data, ranges, this);
    }

    private BlobReader OpenVerified(Entry entry, BlobData data, ChunkRanges ranges)
    {
        // A placed partial blob's file is still under its temporary name; only complete in-place files are checked.
        if (entry.Data == DataLocation.External && entry.State == BlobState.Complete)
            CheckExternal(entry, data);
        return new BlobReader(entry.Hash, data, ranges, this);
    }

    private void CheckExternal(Entry entry, BlobData data)
    {
        // The opened file's own size and time when the backend read them from its descriptor, else by path.
        if (data.Stamp is { } stamp && stamp.Length == entry.ExternalLength && stamp.MtimeTicks == entry.ExternalMtime)
            return;
        var now = new FileInfo(entry.ExternalPath!);
        if (now.Exists && now.Length == entry.ExternalLength && now.LastWriteTimeUtc.Ticks == entry.ExternalMtime)
            return;
        // Size or time changed: find out whether the bytes did (a touch is harmless).
        var valid = data.Validate();
        var all = MemoryBackend.FullRanges(entry.Size);
        var bad = all - valid;
        if (!bad.IsEmpty || !now.Exists || now.Length != (long)entry.Size)
        {
            data.Dispose();
            var chunk = bad.IsEmpty ? ChunkNum.Chunks((ulong)Math.Min(now.Exists ? now.Length : 0, (long)entry.Size)).Value : bad.Boundaries[0];
            throw Corrupt(entry.Hash, chunk, $"in-place source {entry.ExternalPath} changed after import (size {(now.Exists ? now.Length : 0)}, was {entry.ExternalLength})");
        }
        _backend.UpdateExternal(entry.Hash, now.Length, now.LastWriteTimeUtc.Ticks);
    }

    internal BlobCorruptException Corrupt(Hash hash, ulong chunk, string reason, Exception? inner = null)
    {
        _backend.MarkCorrupt(hash);
        Notify(hash);
        return new BlobCorruptException(hash, chunk, reason, inner);
    }

    private Entry RequireComplete(Hash hash)
    {
        var entry = _backend.Get(hash);
        return entry?.State switch
        {
            BlobState.Complete => entry,
            BlobState.Partial => throw new BlobNotFoundException(hash, MissingOf(entry), "incomplete; partial blobs cannot be exported"),
            BlobState.Corrupt => throw new BlobNotFoundException(hash, ChunkRanges.All, "marked corrupt; import it again"),
            _ => throw new BlobNotFoundException(hash, ChunkRanges.All),
        };
    }

    public Task<BlobStatus> StatusAsync(Hash hash, CancellationToken cancellationToken = default) => Task.FromResult(CurrentStatus(hash));

    private BlobStatus CurrentStatus(Hash hash)
    {
        var entry = _backend.Get(hash);
        if (entry is null)
            return BlobStatus.Absent(hash);
        BlobWriter? writer;
        lock (_pinLock)
            writer = _writers.GetValueOrDefault(hash);
        if (entry.State == BlobState.Partial && writer is not null)
        {
            var (ranges, proved) = writer.Present;
            return new BlobStatus(hash, BlobState.Partial, entry.Size, proved, ranges);
        }
        return entry.ToStatus();
    }

    public Task<ChunkRanges> MissingAsync(Hash hash, CancellationToken cancellationToken = default)
    {
        var entry = _backend.Get(hash);
        if (entry is null || entry.State == BlobState.Corrupt)
            return Task.FromResult(ChunkRanges.All);
        return Task.FromResult(MissingOf(entry));
    }

    private ChunkRanges MissingOf(Entry entry)
    {
        if (entry.State == BlobState.Complete)
            return ChunkRanges.Empty;
        var status = CurrentStatus(entry.Hash);
        var wanted = status.SizeProved ? MemoryBackend.FullRanges(status.Size) : ChunkRanges.All;
        return wanted - status.Ranges;
    }

    public async IAsyncEnumerable<BlobStatus> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var entry in _backend.List())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return CurrentStatus(entry.Hash);
        }
    }

    public async Task<bool> DeleteAsync(Hash hash, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_pinLock)
            {
                if (_writers.ContainsKey(hash))
                    throw new BlobBusyException(hash, "a writer is open; close it before deleting");
            }
            if (_backend.Get(hash) is null)
                return false;
            _backend.Delete(hash);
        }
        finally
        {
            _gate.Release();
        }
        Notify(hash);
        return true;
    }

    public async IAsyncEnumerable<BlobStatus> ObserveAsync(Hash hash, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<BlobStatus>(new UnboundedChannelOptions { SingleReader = true });
        lock (_observers)
        {
            if (!_observers.TryGetValue(hash, out var list))
                _observers[hash] = list = [];
            list.Add(channel);
        }
        try
        {
            var last = CurrentStatus(hash);
            yield return last;
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var status))
                {
                    if (status == last)
                        continue;
                    last = status;
                    yield return status;
                }
            }
        }
        finally
        {
            lock (_observers)
            {
                if (_observers.TryGetValue(hash, out var list) && list.Remove(channel) && list.Count == 0)
                    _observers.Remove(hash);
            }
        }
    }

    internal void Notify(Hash hash)
    {
        List<Channel<BlobStatus>>? list;
        lock (_observers)
            list = _observers.TryGetValue(hash, out var l) ? [.. l] : null;
        if (list is null)
            return;
        var status = CurrentStatus(hash);
        foreach (var channel in list)
            channel.Writer.TryWrite(status);
    }

    public Task<IBlobWriter> OpenWriterAsync(Hash hash, BaoTree tree, CancellationToken cancellationToken = default) =>
        OpenWriterCoreAsync(hash, tree, null, cancellationToken);

    public Task<IBlobWriter> OpenWriterAsync(Hash hash, BaoTree tree, string placeDataAt, CancellationToken cancellationToken = default) =>
        OpenWriterCoreAsync(hash, tree, Path.GetFullPath(placeDataAt), cancellationToken);

    private async Task<IBlobWriter> OpenWriterCoreAsync(Hash hash, BaoTree tree, string? placeDataAt, CancellationToken cancellationToken)
    {
        if (tree.BlockSize != BlockSize)
            throw new ArgumentException($"blob {hash}: writer tree uses {tree.BlockSize}, the store keeps {BlockSize}", nameof(tree));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_pinLock)
            {
                if (_writers.ContainsKey(hash))
                    throw new BlobBusyException(hash, "another writer is open");
            }
            var entry = _backend.Get(hash);
            if (entry?.State == BlobState.Complete)
                return BlobWriter.ForComplete(this, hash, tree);
            var reset = false;
            if (entry?.State == BlobState.Partial && entry.Size != tree.Size)
            {
                if (entry.SizeProved)
                    throw new BlobSizeMismatchException(hash, entry.Size, tree.Size);
                // The old size was only claimed; start over with the new claim.
                reset = true;
            }
            var storage = _backend.OpenPartial(hash, tree, reset || entry?.State == BlobState.Corrupt, placeDataAt);
            var known = reset || entry is null || entry.State != BlobState.Partial ? ChunkRanges.Empty : entry.Ranges;
            var writer = new BlobWriter(this, hash, tree, storage, known, !reset && entry?.SizeProved == true);
            lock (_pinLock)
                _writers[hash] = writer;
            return writer;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal void RecordRanges(Hash hash, bool sizeProved, ChunkRanges ranges)
    {
        _backend.RecordRanges(hash, sizeProved, ranges);
        Notify(hash);
    }

    internal void Promote(Hash hash, BaoTree tree)
    {
        _backend.Promote(hash, tree);
        Notify(hash);
    }

    internal void WriterClosed(BlobWriter writer)
    {
        lock (_pinLock)
        {
            if (_writers.TryGetValue(writer.Hash, out var current) && ReferenceEquals(current, writer))
                _writers.Remove(writer.Hash);
        }
    }

    public TempTag CreateTempTag(Hash hash, BlobFormat format = BlobFormat.Raw) => Pin(hash, format);

    private TempTag Pin(Hash hash, BlobFormat format)
    {
        var tag = new TempTag(hash, format, Unpin);
        lock (_pinLock)
        {
            _tempPins[hash] = _tempPins.GetValueOrDefault(hash) + 1;
            _tempTags.Add(tag);
        }
        return tag;
    }

    private void Unpin(TempTag tag)
    {
        lock (_pinLock)
        {
            _tempTags.Remove(tag);
            if (_tempPins.TryGetValue(tag.Hash, out var n))
            {
                if (n <= 1)
                    _tempPins.Remove(tag.Hash);
                else
                    _tempPins[tag.Hash] = n - 1;
            }
        }
    }

    public async Task SetTagAsync(string name, Hash hash, BlobFormat format = BlobFormat.Raw, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _backend.SetTag(new TagInfo(name, hash, format));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> RemoveTagAsync(string name, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _backend.RemoveTag(name);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<IReadOnlyList<TagInfo>> ListTagsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TagInfo>>(_backend.ListTags());

    public async Task<GcResult> GcAsync(CancellationToken cancellationToken = default)
    {
        var deleted = new List<Hash>();
        int live;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Mark: the roots are snapshotted under the gate, which every pin-creating operation also holds.
            var roots = new List<(Hash Hash, BlobFormat Format)>();
            lock (_pinLock)
            {
                roots.AddRange(_tempTags.Select(t => (t.Hash, t.Format)));
                roots.AddRange(_writers.Keys.Select(h => (h, BlobFormat.Raw)));
            }
            roots.AddRange(_backend.ListTags().Select(t => (t.Hash, t.Format)));
            var marked = new HashSet<Hash>();
            foreach (var (hash, format) in roots)
            {
                marked.Add(hash);
                if (format == BlobFormat.HashSeq)
                    await foreach (var child in Children(hash, cancellationToken).ConfigureAwait(false))
                        marked.Add(child);
            }
            // Sweep.
            var entries = _backend.List();
            foreach (var entry in entries)
            {
                if (marked.Contains(entry.Hash))
                    continue;
                _backend.Delete(entry.Hash);
                deleted.Add(entry.Hash);
            }
            live = entries.Count - deleted.Count;
        }
        finally
        {
            _gate.Release();
        }
        foreach (var hash in deleted)
            Notify(hash);
        return new GcResult(deleted, live);
    }

    private IAsyncEnumerable<Hash> Children(Hash hash, CancellationToken cancellationToken) =>
        _options.ChildEnumerator is { } enumerate ? enumerate(hash) : ReadHashSeq(hash, cancellationToken);

    /// <summary>Reads a complete blob as iroh's hash sequence; an absent, partial or corrupt one has no known children.</summary>
    private async IAsyncEnumerable<Hash> ReadHashSeq(Hash hash, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var entry = _backend.Get(hash);
        if (entry?.State != BlobState.Complete || entry.Size % Hash.Size != 0)
            yield break;
        var buffer = new MemoryStream();
        try
        {
            using var reader = OpenVerified(entry, ChunkRanges.All);
            await reader.CopyDataToAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobCorruptException)
        {
            yield break;
        }
        var bytes = buffer.GetBuffer();
        for (var i = 0; i + Hash.Size <= buffer.Length; i += Hash.Size)
            yield return Hash.FromBytes(bytes.AsSpan(i, Hash.Size));
    }

    public async ValueTask DisposeAsync()
    {
        await _batcher.DisposeAsync().ConfigureAwait(false);
        List<BlobWriter> writers;
        lock (_pinLock)
            writers = [.. _writers.Values];
        foreach (var writer in writers)
            await writer.DisposeAsync().ConfigureAwait(false);
        _backend.Dispose();
        _recent?.Dispose();
        lock (_observers)
        {
            foreach (var list in _observers.Values)
                foreach (var channel in list)
                    channel.Writer.TryComplete();
        }
    }
}
