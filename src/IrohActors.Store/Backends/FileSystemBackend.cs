using System.Runtime.InteropServices;
using IrohActors.Bao;
using IrohActors.Blake3;
using Microsoft.Data.Sqlite;

namespace IrohActors.Store.Backends;

/// <summary>
/// The file-system store's bytes and metadata: <c>blobs.db</c> (SQLite, WAL) holds the rows, tags and small
/// items; <c>data/&lt;hex&gt;.data</c> and <c>data/&lt;hex&gt;.obao4</c> (pre-order) hold the larger ones;
/// <c>temp/</c> holds imports in progress. Files are made durable before the row that refers to them commits,
/// and deleted only after the row that no longer refers to them commits.
/// </summary>
internal sealed class FileSystemBackend : IStorageBackend
{
    private readonly object _lock = new();
    private readonly SqliteConnection _db;
    private readonly BlockSize _blockSize;
    private readonly int _maxInlineData;
    private readonly int _maxInlineOutboard;
    private readonly RowWriter _rows;
    private readonly FileStream _ownership;

    public FileSystemBackend(string root, StoreOptions options)
    {
        Root = Path.GetFullPath(root);
        DataDir = Path.Combine(Root, "data");
        TempDir = Path.Combine(Root, "temp");
        _blockSize = options.BlockSize;
        _maxInlineData = options.MaxInlineData;
        _maxInlineOutboard = options.MaxInlineOutboard;
        StoreOptions.ThrowIfDataDirIsFile(Root);
        Directory.CreateDirectory(DataDir);
        Directory.CreateDirectory(TempDir);
        _ownership = TakeOwnership(Root);
        try
        {
            SQLitePCL.Batteries_V2.Init();
            _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(Root, "blobs.db"), Pooling = false }.ToString());
            _db.Open();
            Exec("PRAGMA journal_mode=WAL");
            // NORMAL in WAL mode keeps the database consistent across a killed process; data files are fsynced before their rows commit.
            Exec("PRAGMA synchronous=NORMAL");
            Exec("PRAGMA busy_timeout=10000");
            Exec("PRAGMA cache_size=-65536");
            Exec("PRAGMA wal_autocheckpoint=16384");
            Exec("""
                CREATE TABLE IF NOT EXISTS blobs(hash BLOB PRIMARY KEY, state INTEGER NOT NULL, size INTEGER NOT NULL,
                  size_proved INTEGER NOT NULL, data_loc INTEGER NOT NULL, outboard_loc INTEGER NOT NULL, ranges BLOB,
                  ext_path TEXT, ext_length INTEGER, ext_mtime INTEGER) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS inline_data(hash BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS inline_outboard(hash BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS tags(name TEXT PRIMARY KEY, hash BLOB NOT NULL, format INTEGER NOT NULL) WITHOUT ROWID;
                """);
            _rows = new RowWriter(_db.Handle!);
            Reconcile();
        }
        catch
        {
            _db?.Dispose();
            _ownership.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The store's exclusive lock (<c>store.lock</c>, an advisory <c>flock</c> the system drops when the process dies): one
    /// store object per directory at a time. A second one would reconcile (delete) the first one's temporary files,
    /// and could truncate a partial blob it is writing.
    /// </summary>
    /// <exception cref="IOException">Another store (in this process or another) has the directory open.</exception>
    private static FileStream TakeOwnership(string root)
    {
        var path = Path.Combine(root, "store.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (e.HResult is 11 or unchecked((int)0x80070020))
        {
            throw new IOException($"the store in {root} is in use by another process (or another store object in this one); one store per data directory at a time", e);
        }
    }

    public string Root { get; }

    public string DataDir { get; }

    public string TempDir { get; }

    public string DataPath(Hash hash) => Path.Combine(DataDir, hash.ToHex() + ".data");

    public string OutboardPath(Hash hash) => Path.Combine(DataDir, hash.ToHex() + ".obao4");

    /// <summary>After a crash: empties the temp area and deletes data files no row refers to.</summary>
    private void Reconcile()
    {
        foreach (var file in Directory.EnumerateFiles(TempDir))
            File.Delete(file);
        var entries = List().ToDictionary(e => e.Hash);
        foreach (var file in Directory.EnumerateFiles(DataDir))
        {
            var name = Path.GetFileName(file);
            var dot = name.IndexOf('.');
            if (dot != 64 || !Hash.TryParse(name[..dot], out var hash))
                continue;
            var ext = name[dot..];
            var keep = entries.TryGetValue(hash, out var entry) && (ext switch
            {
                ".data" => entry.Data == DataLocation.Owned,
                ".obao4" => entry.Outboard == OutboardLocation.Owned,
                _ => true,
            });
            if (!keep)
                File.Delete(file);
        }
    }

    public Entry? Get(Hash hash)
    {
        lock (_lock)
        {
            using var cmd = Command("SELECT hash, state, size, size_proved, data_loc, outboard_loc, ranges, ext_path, ext_length, ext_mtime FROM blobs WHERE hash = $h", ("$h", hash.ToArray()));
            using var reader = cmd.ExecuteReader();
            return reader.Read() ? ReadEntry(reader) : null;
        }
    }

    public List<Entry> List()
    {
        lock (_lock)
        {
            using var cmd = Command("SELECT hash, state, size, size_proved, data_loc, outboard_loc, ranges, ext_path, ext_length, ext_mtime FROM blobs ORDER BY hash");
            using var reader = cmd.ExecuteReader();
            var result = new List<Entry>();
            while (reader.Read())
                result.Add(ReadEntry(reader));
            return result;
        }
    }

    public Staged StageFile(string path, CancellationToken cancellationToken)
    {
        // Anything but a regular file is refused (.NET's open of a named pipe would wait for a writer).
        using var source = NativeFile.OpenRegularFile(path);
        var length = RandomAccess.GetLength(source);
        if (length <= _maxInlineData)
        {
            var bytes = new byte[length];
            if (!ScratchBuffer.TryReadWhole(source, bytes))
                throw new IOException($"{path} shrank while it was being imported; import it again");
            return new StagedBytes(bytes, bytes.Length);
        }
        // The copy in temp/ is not fsynced here: the batch's durability barrier does that before it is renamed into place.
        var temp = NewTempPath();
        try
        {
            if (length > ScratchBuffer.MaxLength)
            {
                // Large: an in-kernel copy, then the copy is hashed from the page cache it just filled (measured here:
                // 2.7-4.1 s for 1 GiB against 6.4-7.8 s for hashing what a read stream writes as it goes).
                source.Dispose();
                File.Copy(path, temp);
                var copied = PreOrderOutboard.CreateFromFile(temp, _blockSize);
                return new StagedFile(temp, (long)copied.Tree.Size) { Outboard = copied };
            }
            // Small: read whole, write whole, hash from memory.
            var buffer = ScratchBuffer.Get(length).AsMemory(0, (int)length);
            if (!ScratchBuffer.TryReadWhole(source, buffer.Span))
                throw new IOException($"{path} shrank while it was being imported; import it again");
            using (var target = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write))
                RandomAccess.Write(target, buffer.Span, 0);
            var outboard = PreOrderOutboard.Create(buffer, _blockSize);
            return new StagedFile(temp, length) { Outboard = outboard };
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public Staged StageStream(Stream data, CancellationToken cancellationToken)
    {
        var head = new byte[_maxInlineData + 1];
        var filled = 0;
        int n;
        while (filled < head.Length && (n = data.Read(head, filled, head.Length - filled)) > 0)
            filled += n;
        if (filled <= _maxInlineData)
            return new StagedBytes(head, filled);
        var temp = NewTempPath();
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                file.Write(head, 0, filled);
                data.CopyTo(file, 1 << 20);
                // Made durable by the commit batch's barrier, before the rename.
                file.Flush();
            }
            return new StagedFile(temp, new FileInfo(temp).Length);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public void CommitBatch(IReadOnlyList<PendingImport> batch)
    {
        var plans = new List<CommitPlan>(batch.Count);
        var moves = new List<PlannedMove>();
        var planned = new HashSet<Hash>();
        try
        {
            var existing = FindExisting(batch);
            foreach (var item in batch)
            {
                // A hash already complete (or twice in this batch) keeps the first copy; its staged files go.
                if (!planned.Add(item.Hash))
                    continue;
                var old = existing.GetValueOrDefault(item.Hash);
                if (old?.State == BlobState.Complete)
                    continue;
                plans.Add(Plan(item, old, moves));
            }
            // Durability barrier: the new files' bytes, then their names, then the rows (rule 1 of docs/store.md).
            if (moves.Count > 0)
            {
                SyncForRename(moves);
                foreach (var move in moves)
                {
                    File.Move(move.From, move.To, overwrite: true);
                    if (move.Owner is not null)
                        move.Owner.Consumed = true;
                }
                SyncDirectory(DataDir);
            }
        }
        catch
        {
            foreach (var move in moves)
                File.Delete(move.From);
            throw;
        }
        if (plans.Count == 0)
            return;
        lock (_lock)
        {
            // The import is reported complete when this returns, so this commit also fsyncs the WAL.
            Exec("PRAGMA synchronous=FULL");
            try
            {
                using var tx = Begin();
                // Rows in key order: each B-tree page is visited once per batch.
                plans.Sort(static (a, b) => CompareHashes(a.Entry.Hash, b.Entry.Hash));
                foreach (var plan in plans)
                {
                    _rows.Upsert(plan.Entry, EncodeRanges(plan.Entry.Ranges));
                    if (plan.InlineData is not null || plan.Old?.Data == DataLocation.Inline)
                        _rows.SetInline(false, plan.Entry.Hash, plan.InlineData);
                    if (plan.InlineOutboard is not null || plan.Old?.Outboard == OutboardLocation.Inline)
                        _rows.SetInline(true, plan.Entry.Hash, plan.InlineOutboard);
                }
                Commit(tx);
            }
            finally
            {
                Exec("PRAGMA synchronous=NORMAL");
            }
        }
        // Files the new rows no longer refer to go only after the commit.
        foreach (var plan in plans)
        {
            if (plan.Entry.Data != DataLocation.Owned && plan.Old?.Data == DataLocation.Owned)
                File.Delete(DataPath(plan.Entry.Hash));
            if (plan.Entry.Outboard != OutboardLocation.Owned && plan.Old?.Outboard == OutboardLocation.Owned)
                File.Delete(OutboardPath(plan.Entry.Hash));
        }
    }

    private static int CompareHashes(Hash a, Hash b) => a.AsSpan().SequenceCompareTo(b.AsSpan());

    /// <summary>The rows that exist for a batch's hashes (usually none), in one query.</summary>
    private Dictionary<Hash, Entry> FindExisting(IReadOnlyList<PendingImport> batch)
    {
        var keys = new byte[batch.Count * Hash.Size];
        for (var i = 0; i < batch.Count; i++)
            batch[i].Hash.CopyTo(keys.AsSpan(i * Hash.Size));
        lock (_lock)
        {
            // CROSS JOIN keeps the hash list as the outer loop: one primary-key lookup per hash.
            using var cmd = Command("""
                WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < $count)
                SELECT b.hash, b.state, b.size, b.size_proved, b.data_loc, b.outboard_loc, b.ranges, b.ext_path, b.ext_length, b.ext_mtime
                FROM i CROSS JOIN blobs b ON b.hash = substr($keys, n * 32 + 1, 32)
                """, ("$count", batch.Count), ("$keys", keys));
            using var reader = cmd.ExecuteReader();
            var result = new Dictionary<Hash, Entry>();
            while (reader.Read())
            {
                var entry = ReadEntry(reader);
                result[entry.Hash] = entry;
            }
            return result;
        }
    }

    /// <summary>Decides where one import's data and outboard go; files to be owned are written to temp (not yet synced).</summary>
    private CommitPlan Plan(PendingImport item, Entry? old, List<PlannedMove> moves)
    {
        var hash = item.Hash;
        var size = (ulong)item.Staged.Length;
        DataLocation dataLocation;
        byte[]? inlineData = null;
        switch (item.Staged)
        {
            case StagedExternal:
                dataLocation = DataLocation.External;
                break;
            case StagedBytes bytes when bytes.Length <= _maxInlineData:
                dataLocation = DataLocation.Inline;
                inlineData = bytes.Memory.ToArray();
                break;
            case StagedBytes bytes:
                dataLocation = DataLocation.Owned;
                moves.Add(new PlannedMove(WriteTemp(bytes.Memory.Span), DataPath(hash), null));
                break;
            case StagedFile file when file.Length <= _maxInlineData:
                dataLocation = DataLocation.Inline;
                inlineData = File.ReadAllBytes(file.Path);
                break;
            case StagedFile file:
                dataLocation = DataLocation.Owned;
                moves.Add(new PlannedMove(file.Path, DataPath(hash), file));
                break;
            default:
                throw new ArgumentException($"unknown staged data {item.Staged.GetType().Name}", nameof(item));
        }
        var outboardBytes = item.Outboard.Data ?? [];
        var outboardLocation = item.Outboard.Tree.OutboardSize == 0 ? OutboardLocation.NotNeeded
            : outboardBytes.Length <= _maxInlineOutboard ? OutboardLocation.Inline : OutboardLocation.Owned;
        if (outboardLocation == OutboardLocation.Owned)
            moves.Add(new PlannedMove(WriteTemp(outboardBytes), OutboardPath(hash), null));
        var external = item.Staged as StagedExternal;
        var entry = new Entry(hash, BlobState.Complete, size, true, MemoryBackend.FullRanges(size), dataLocation, outboardLocation,
            external?.Path, external?.Length ?? 0, external?.Mtime ?? 0);
        return new CommitPlan(entry, old, inlineData, outboardLocation == OutboardLocation.Inline ? outboardBytes : null);
    }

    /// <summary>One blob's new row, the row it replaces, and its inline bytes.</summary>
    private sealed record CommitPlan(Entry Entry, Entry? Old, byte[]? InlineData, byte[]? InlineOutboard);

    /// <summary>A temp file to rename into <c>data/</c> once durable; <c>Owner</c> is told when it was taken.</summary>
    private sealed record PlannedMove(string From, string To, Staged? Owner);

    /// <summary>
    /// Makes the files about to be renamed durable: one <c>syncfs</c> for a batch of many (Linux), else an fsync each.
    /// A partial blob's file at the target path is replaced only by a durable one, so its recorded ranges stay backed.
    /// </summary>
    private void SyncForRename(List<PlannedMove> moves)
    {
        if (OperatingSystem.IsLinux() && moves.Count >= SyncfsThreshold)
        {
            var fd = NativeFile.Open(TempDir, 0, 0);
            if (fd < 0)
                throw new IOException($"cannot open {TempDir} to sync the file system (errno {Marshal.GetLastPInvokeError()})");
            try
            {
                if (NativeFile.Syncfs(fd) != 0)
                    throw new IOException($"syncfs on {TempDir} failed (errno {Marshal.GetLastPInvokeError()})");
            }
            finally
            {
                NativeFile.CloseFd(fd);
            }
            return;
        }
        foreach (var move in moves)
            SyncFile(move.From);
    }

    /// <summary>
    /// From this many new files on, one file-system sync is cheaper than an fsync each. <c>syncfs</c> also waits for every
    /// other writer's dirty pages on the file system: an in-place import of the kernel tree (a few outboard files per
    /// batch) waited 0.16–2 s in one such call after a large write elsewhere, where its few fsyncs take milliseconds.
    /// </summary>
    private const int SyncfsThreshold = 64;

    /// <summary>The read buffer of a complete blob's outboard (1,024 pairs).</summary>
    private const int OutboardReadBuffer = 64 * 1024;

    public BlobData OpenData(Entry entry) => OpenData(new LookedUpEntry(entry, null, null));

    /// <summary>At most this many hashes per lookup query (their inline data and outboards are held in memory).</summary>
    private const int LookupChunk = 512;

    public Dictionary<Hash, LookedUpEntry> GetMany(IReadOnlyList<Hash> hashes)
    {
        var result = new Dictionary<Hash, LookedUpEntry>(hashes.Count);
        for (var first = 0; first < hashes.Count; first += LookupChunk)
        {
            var count = Math.Min(LookupChunk, hashes.Count - first);
            var keys = new byte[count * Hash.Size];
            for (var i = 0; i < count; i++)
                hashes[first + i].CopyTo(keys.AsSpan(i * Hash.Size));
            lock (_lock)
            {
                // One statement (one read transaction) for the rows and their inline bytes; CROSS JOIN keeps the key list
                // as the outer loop (one primary-key lookup per hash).
                using var cmd = Command("""
                    WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < $count)
                    SELECT b.hash, b.state, b.size, b.size_proved, b.data_loc, b.outboard_loc, b.ranges, b.ext_path, b.ext_length, b.ext_mtime,
                      (SELECT o.data FROM inline_outboard o WHERE o.hash = b.hash AND b.outboard_loc = $ol),
                      (SELECT d.data FROM inline_data d WHERE d.hash = b.hash AND b.data_loc = $dl)
                    FROM i CROSS JOIN blobs b ON b.hash = substr($keys, n * 32 + 1, 32)
                    """, ("$count", count), ("$keys", keys), ("$ol", (int)OutboardLocation.Inline), ("$dl", (int)DataLocation.Inline));
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    var entry = ReadEntry(reader);
                    result[entry.Hash] = new LookedUpEntry(entry, reader.IsDBNull(10) ? null : (byte[])reader.GetValue(10), reader.IsDBNull(11) ? null : (byte[])reader.GetValue(11));
                }
            }
        }
        return result;
    }

    public BlobData OpenData(LookedUpEntry found)
    {
        var entry = found.Entry;
        var tree = new BaoTree(entry.Size, _blockSize);
        Microsoft.Win32.SafeHandles.SafeFileHandle? outboardHandle = null;
        IDisposable? owner = null;
        IOutboard outboard;
        switch (entry.Outboard)
        {
            case OutboardLocation.Owned:
                outboardHandle = File.OpenHandle(OutboardPath(entry.Hash), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                // A reader loads pairs one by one in pre-order, which is the file's order: read through a 64 KiB buffer,
                // one pread per 1,024 pairs instead of one per pair (65,535 per GiB sent at 16 KiB groups).
                var pairs = new BufferedStream(new FileStream(outboardHandle, FileAccess.Read, bufferSize: 0), OutboardReadBuffer);
                owner = pairs;
                outboard = PreOrderOutboard.FromStream(tree, entry.Hash, pairs, 0, OutboardPath(entry.Hash));
                break;
            case OutboardLocation.Inline:
                var bytes = found.InlineOutboard ?? ReadInline("inline_outboard", entry.Hash) ?? throw new FileNotFoundException($"blob {entry.Hash}: inline outboard row missing");
                outboard = PreOrderOutboard.FromBytes(tree, entry.Hash, bytes.Length == (int)tree.OutboardSize ? bytes : Resize(bytes, (int)tree.OutboardSize));
                break;
            default:
                outboard = PreOrderOutboard.FromBytes(tree, entry.Hash, []);
                break;
        }
        try
        {
            switch (entry.Data)
            {
                case DataLocation.Inline:
                    var data = found.InlineData ?? ReadInline("inline_data", entry.Hash) ?? [];
                    return new BlobData(tree, outboard, data, null, $"{Root} (inline data)", owner);
                case DataLocation.Owned:
                    var path = DataPath(entry.Hash);
                    return new BlobData(tree, outboard, default, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), path, owner);
                default:
                    var ext = entry.State == BlobState.Partial ? BlobPlacement.TemporaryPath(entry.ExternalPath!) : entry.ExternalPath!;
                    if (NativeFile.IsSupported)
                    {
                        // open and one statx on the descriptor, instead of open, fstat, flock and lseek, then a stat by
                        // path for the change check (a provider serving a tree of small files opens one per blob).
                        var fd = NativeFile.OpenRead(ext);
                        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
                        try
                        {
                            return new BlobData(tree, outboard, default, handle, ext, owner) { Stamp = NativeFile.Stat(fd, ext) };
                        }
                        catch
                        {
                            handle.Dispose();
                            throw;
                        }
                    }
                    return new BlobData(tree, outboard, default, File.OpenHandle(ext, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), ext, owner);
            }
        }
        catch
        {
            owner?.Dispose();
            outboardHandle?.Dispose();
            throw;
        }
    }

    public IPartialStorage OpenPartial(Hash hash, BaoTree tree, bool reset) => OpenPartial(hash, tree, reset, null);

    public IPartialStorage OpenPartial(Hash hash, BaoTree tree, bool reset, string? placeDataAt)
    {
        var entry = Get(hash);
        var fresh = reset || entry is null || entry.State != BlobState.Partial;
        // A placed blob keeps its final path in the row while partial; its bytes are under the temporary name.
        var placed = fresh ? placeDataAt : entry!.Data == DataLocation.External ? entry.ExternalPath : null;
        if (fresh)
        {
            if (entry is { State: BlobState.Partial, Data: DataLocation.External })
                File.Delete(BlobPlacement.TemporaryPath(entry.ExternalPath!));
            lock (_lock)
            {
                using var tx = Begin();
                Upsert(new Entry(hash, BlobState.Partial, tree.Size, false, ChunkRanges.Empty, placed is null ? DataLocation.Owned : DataLocation.External,
                    tree.OutboardSize == 0 ? OutboardLocation.NotNeeded : OutboardLocation.Owned, placed));
                SetInline("inline_data", hash, null);
                SetInline("inline_outboard", hash, null);
                Commit(tx);
            }
        }
        var dataPath = placed is null ? DataPath(hash) : BlobPlacement.TemporaryPath(placed);
        var data = File.OpenHandle(dataPath, fresh ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var outboard = File.OpenHandle(OutboardPath(hash), fresh ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (RandomAccess.GetLength(data) != (long)tree.Size)
            RandomAccess.SetLength(data, (long)tree.Size);
        if (RandomAccess.GetLength(outboard) != (long)tree.OutboardSize)
            RandomAccess.SetLength(outboard, (long)tree.OutboardSize);
        if (fresh)
        {
            SyncDirectory(DataDir);
            if (placed is not null)
                SyncDirectory(Path.GetDirectoryName(dataPath)!);
        }
        return new FilePartial(data, outboard, PreOrderOutboard.FromFile(tree, hash, outboard, 0, OutboardPath(hash)), DirectWriter.TryOpen(dataPath, data));
    }

    public void RecordRanges(Hash hash, bool sizeProved, ChunkRanges ranges)
    {
        lock (_lock)
        {
            using var cmd = Command("UPDATE blobs SET size_proved = $p, ranges = $r WHERE hash = $h AND state = $s",
                ("$p", sizeProved ? 1 : 0), ("$r", EncodeRanges(ranges)), ("$h", hash.ToArray()), ("$s", (int)BlobState.Partial));
            cmd.ExecuteNonQuery();
        }
    }

    public void Promote(Hash hash, BaoTree tree)
    {
        var entry = Get(hash);
        if (entry is null || entry.State != BlobState.Partial)
            return;
        if (entry.Data == DataLocation.External)
        {
            PromotePlaced(entry, tree);
            return;
        }
        var inlineData = tree.Size <= (ulong)_maxInlineData ? File.ReadAllBytes(DataPath(hash)) : null;
        var outboardBytes = tree.OutboardSize > 0 && tree.OutboardSize <= (ulong)_maxInlineOutboard ? File.ReadAllBytes(OutboardPath(hash)) : null;
        var complete = entry with
        {
            State = BlobState.Complete,
            SizeProved = true,
            Ranges = MemoryBackend.FullRanges(tree.Size),
            Data = inlineData is null ? DataLocation.Owned : DataLocation.Inline,
            Outboard = tree.OutboardSize == 0 ? OutboardLocation.NotNeeded : outboardBytes is null ? OutboardLocation.Owned : OutboardLocation.Inline,
        };
        lock (_lock)
        {
            using var tx = Begin();
            Upsert(complete);
            SetInline("inline_data", hash, inlineData);
            SetInline("inline_outboard", hash, outboardBytes);
            Commit(tx);
        }
        if (complete.Data != DataLocation.Owned)
            File.Delete(DataPath(hash));
        if (complete.Outboard != OutboardLocation.Owned)
            File.Delete(OutboardPath(hash));
    }

    /// <summary>
    /// A placed blob completes by moving its (already fsynced) temporary file to the final path — never over an
    /// existing entry — and syncing that directory before the row says complete and references the file in place.
    /// A crash before the commit leaves the file in place and the row partial with every range: the next open
    /// finishes the promotion (the temporary file is gone, the final one holds the same bytes).
    /// </summary>
    private void PromotePlaced(Entry entry, BaoTree tree)
    {
        var final = entry.ExternalPath!;
        var temp = BlobPlacement.TemporaryPath(final);
        if (File.Exists(temp))
        {
            File.Move(temp, final, overwrite: false);
            SyncDirectory(Path.GetDirectoryName(final)!);
        }
        var info = new FileInfo(final);
        var outboardBytes = tree.OutboardSize > 0 && tree.OutboardSize <= (ulong)_maxInlineOutboard ? File.ReadAllBytes(OutboardPath(entry.Hash)) : null;
        var complete = entry with
        {
            State = BlobState.Complete,
            SizeProved = true,
            Ranges = MemoryBackend.FullRanges(tree.Size),
            Outboard = tree.OutboardSize == 0 ? OutboardLocation.NotNeeded : outboardBytes is null ? OutboardLocation.Owned : OutboardLocation.Inline,
            ExternalLength = info.Length,
            ExternalMtime = info.LastWriteTimeUtc.Ticks,
        };
        lock (_lock)
        {
            using var tx = Begin();
            Upsert(complete);
            SetInline("inline_outboard", entry.Hash, outboardBytes);
            Commit(tx);
        }
        if (complete.Outboard != OutboardLocation.Owned)
            File.Delete(OutboardPath(entry.Hash));
    }

    public void MarkCorrupt(Hash hash)
    {
        lock (_lock)
        {
            using var cmd = Command("UPDATE blobs SET state = $s WHERE hash = $h", ("$s", (int)BlobState.Corrupt), ("$h", hash.ToArray()));
            cmd.ExecuteNonQuery();
        }
    }

    public void UpdateExternal(Hash hash, long length, long mtime)
    {
        lock (_lock)
        {
            using var cmd = Command("UPDATE blobs SET ext_length = $l, ext_mtime = $m WHERE hash = $h", ("$l", length), ("$m", mtime), ("$h", hash.ToArray()));
            cmd.ExecuteNonQuery();
        }
    }

    public void Delete(Hash hash)
    {
        // A placed partial blob's temporary file is ours; a complete in-place file is the user's and stays.
        if (Get(hash) is { State: BlobState.Partial, Data: DataLocation.External, ExternalPath: { } placed })
            File.Delete(BlobPlacement.TemporaryPath(placed));
        lock (_lock)
        {
            using var tx = Begin();
            foreach (var table in (string[])["blobs", "inline_data", "inline_outboard"])
            {
                using var cmd = Command($"DELETE FROM {table} WHERE hash = $h", ("$h", hash.ToArray()));
                cmd.ExecuteNonQuery();
            }
            Commit(tx);
        }
        File.Delete(DataPath(hash));
        File.Delete(OutboardPath(hash));
    }

    public bool TryHardLink(Entry entry, string path)
    {
        if (entry.Data != DataLocation.Owned || !OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return false;
        return NativeFile.Link(DataPath(entry.Hash), path) == 0;
    }

    public void SetTag(TagInfo tag)
    {
        lock (_lock)
        {
            using var cmd = Command("INSERT OR REPLACE INTO tags(name, hash, format) VALUES ($n, $h, $f)",
                ("$n", tag.Name), ("$h", tag.Hash.ToArray()), ("$f", (int)tag.Format));
            cmd.ExecuteNonQuery();
        }
    }

    public bool RemoveTag(string name)
    {
        lock (_lock)
        {
            using var cmd = Command("DELETE FROM tags WHERE name = $n", ("$n", name));
            return cmd.ExecuteNonQuery() > 0;
        }
    }

    public List<TagInfo> ListTags()
    {
        lock (_lock)
        {
            using var cmd = Command("SELECT name, hash, format FROM tags ORDER BY name");
            using var reader = cmd.ExecuteReader();
            var result = new List<TagInfo>();
            while (reader.Read())
                result.Add(new TagInfo(reader.GetString(0), Hash.FromBytes((byte[])reader.GetValue(1)), (BlobFormat)reader.GetInt32(2)));
            return result;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _rows.Dispose();
            foreach (var cmd in _commands.Values)
                cmd.Release();
            _commands.Clear();
            _db.Dispose();
            // Last: the directory is free for the next store only once this one has let go of everything.
            _ownership.Dispose();
        }
    }

    private string NewTempPath() => Path.Combine(TempDir, Guid.NewGuid().ToString("N") + ".temp");

    /// <summary>Writes <paramref name="bytes"/> to a new temp file (not synced) and returns its path.</summary>
    private string WriteTemp(ReadOnlySpan<byte> bytes)
    {
        var temp = NewTempPath();
        try
        {
            using var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write);
            RandomAccess.Write(handle, bytes, 0);
            return temp;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static void SyncFile(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>Makes renames and creations in <paramref name="directory"/> durable (Linux: fsync on the directory).</summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        var fd = NativeFile.Open(directory, 0, 0);
        if (fd < 0)
            return;
        NativeFile.Fsync(fd);
        NativeFile.CloseFd(fd);
    }

    private static byte[] Resize(byte[] bytes, int length)
    {
        var result = new byte[length];
        bytes.AsSpan(0, Math.Min(length, bytes.Length)).CopyTo(result);
        return result;
    }

    private void Exec(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// A command for <paramref name="sql"/> with the parameters bound. Commands are prepared once and reused (the
    /// connection is used under <see cref="_lock"/> only); disposing the returned command is a no-op.
    /// </summary>
    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = new CachedCommand(sql, _db);
            _commands[sql] = cmd;
        }
        cmd.Transaction = _transaction is { Connection: not null } live ? live : null;
        cmd.Parameters.Clear();
        foreach (var (name, value) in parameters)
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    private readonly Dictionary<string, CachedCommand> _commands = [];
    private SqliteTransaction? _transaction;

    private SqliteTransaction Begin() => _transaction = _db.BeginTransaction();

    private void Commit(SqliteTransaction tx)
    {
        tx.Commit();
        _transaction = null;
    }

    private sealed class CachedCommand : SqliteCommand
    {
        public CachedCommand(string sql, SqliteConnection connection)
            : base(sql, connection)
        {
        }

        // Reused: the backend disposes them with the connection.
        protected override void Dispose(bool disposing)
        {
        }

        public void Release() => base.Dispose(true);
    }

    private void Upsert(Entry e)
    {
        using var cmd = Command("""
            INSERT OR REPLACE INTO blobs(hash, state, size, size_proved, data_loc, outboard_loc, ranges, ext_path, ext_length, ext_mtime)
            VALUES ($h, $s, $z, $p, $d, $o, $r, $ep, $el, $em)
            """,
            ("$h", e.Hash.ToArray()), ("$s", (int)e.State), ("$z", (long)e.Size), ("$p", e.SizeProved ? 1 : 0), ("$d", (int)e.Data),
            ("$o", (int)e.Outboard), ("$r", EncodeRanges(e.Ranges)), ("$ep", e.ExternalPath), ("$el", e.ExternalLength), ("$em", e.ExternalMtime));
        cmd.ExecuteNonQuery();
    }

    private void SetInline(string table, Hash hash, byte[]? bytes)
    {
        using var cmd = bytes is null
            ? Command($"DELETE FROM {table} WHERE hash = $h", ("$h", hash.ToArray()))
            : Command($"INSERT OR REPLACE INTO {table}(hash, data) VALUES ($h, $d)", ("$h", hash.ToArray()), ("$d", bytes));
        cmd.ExecuteNonQuery();
    }

    private byte[]? ReadInline(string table, Hash hash)
    {
        lock (_lock)
        {
            using var cmd = Command($"SELECT data FROM {table} WHERE hash = $h", ("$h", hash.ToArray()));
            return cmd.ExecuteScalar() as byte[];
        }
    }

    private static Entry ReadEntry(SqliteDataReader r) => new(
        Hash.FromBytes((byte[])r.GetValue(0)),
        (BlobState)r.GetInt32(1),
        (ulong)r.GetInt64(2),
        r.GetInt32(3) != 0,
        DecodeRanges(r.IsDBNull(6) ? [] : (byte[])r.GetValue(6)),
        (DataLocation)r.GetInt32(4),
        (OutboardLocation)r.GetInt32(5),
        r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? 0 : r.GetInt64(8),
        r.IsDBNull(9) ? 0 : r.GetInt64(9));

    private static byte[] EncodeRanges(ChunkRanges ranges)
    {
        var b = ranges.Boundaries;
        var bytes = new byte[b.Length * 8];
        for (var i = 0; i < b.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), b[i]);
        return bytes;
    }

    private static ChunkRanges DecodeRanges(byte[] bytes)
    {
        if (bytes.Length < 8)
            return ChunkRanges.Empty;
        var b = new ulong[bytes.Length / 8];
        for (var i = 0; i < b.Length; i++)
            b[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
        return ChunkRanges.FromBoundaries(b);
    }

    private sealed class FilePartial(Microsoft.Win32.SafeHandles.SafeFileHandle data, Microsoft.Win32.SafeHandles.SafeFileHandle outboardHandle, PreOrderOutboard outboard, DirectWriter? direct) : IPartialStorage
    {
        /// <summary>Pairs gathered before one outboard write (a 64 KiB write covers 16 MiB of data at 16 KiB groups).</summary>
        private const int MaxPendingPairs = 1024;

        // Pairs arrive in pre-order, which is the outboard's slot order: consecutive slots are gathered and written
        // with one pwrite instead of one 64-byte pwrite per parent (65,535 per GiB at 16 KiB groups).
        private byte[]? _pending;
        private int _pendingPairs;
        private ulong _firstSlot;

        public bool WriteLeaf(ulong offset, ReadOnlySpan<byte> bytes)
        {
            // Large runs (the getter's verified batches) bypass the page cache; fsync of the inode covers both handles.
            // Their device writes run behind: readers see the bytes only after the next Sync drains them, and Sync
            // writes the pending pairs first, so the pairs need not be written before them (one outboard write per
            // 1,024 pairs instead of one per unit).
            if (direct is not null && bytes.Length >= DirectWriter.MinimumBytes)
            {
                direct.Write((long)offset, bytes);
                return false;
            }
            // Readable at once: the pairs proving this data reach the file before the data's chunks can be reported present.
            FlushPairs();
            RandomAccess.Write(data, bytes, (long)offset);
            return true;
        }

        public System.Buffers.IMemoryOwner<byte> RentLeafStorage(int minimumBytes) =>
            direct is not null ? AlignedBlock.Rent(minimumBytes) : System.Buffers.MemoryPool<byte>.Shared.Rent(minimumBytes);

        public bool WriteLeaf(ulong offset, ReadOnlyMemory<byte> bytes, System.Buffers.IMemoryOwner<byte> storage)
        {
            if (direct is null || bytes.Length < DirectWriter.MinimumBytes || storage is not AlignedBlock block)
                return WriteLeaf(offset, bytes.Span);
            // Written to the device from the block it was verified in (no copy), behind the caller: readable after the
            // next Sync (which writes the pending pairs first).
            direct.WriteFrom((long)offset, bytes, block);
            return false;
        }

        public void WritePair(TreeNode node, in HashPair pair)
        {
            if (outboard.Tree.PreOrderOffset(node) is not { } slot)
                return;
            if (_pendingPairs > 0 && (slot != _firstSlot + (ulong)_pendingPairs || _pendingPairs == MaxPendingPairs))
                FlushPairs();
            _pending ??= new byte[MaxPendingPairs * HashPair.Size];
            if (_pendingPairs == 0)
                _firstSlot = slot;
            pair.Write(_pending.AsSpan(_pendingPairs * HashPair.Size, HashPair.Size));
            _pendingPairs++;
        }

        private void FlushPairs()
        {
            if (_pendingPairs == 0)
                return;
            var count = _pendingPairs;
            _pendingPairs = 0;
            RandomAccess.Write(outboardHandle, _pending.AsSpan(0, count * HashPair.Size), (long)_firstSlot * HashPair.Size);
        }

        public void Sync()
        {
            FlushPairs();
            direct?.Drain();
            RandomAccess.FlushToDisk(data);
            RandomAccess.FlushToDisk(outboardHandle);
        }

        public void Dispose()
        {
            try
            {
                // Pairs written after the last sync: not recorded yet, but kept for a later writer of the same blob.
                FlushPairs();
            }
            catch (IOException)
            {
                // The writer is being abandoned; its progress up to the last sync is what counts.
            }
            direct?.Dispose();
            data.Dispose();
            outboardHandle.Dispose();
        }
    }
}
