using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store;

/// <summary>Settings of a blob store (HOCON section <c>iroh.store</c>).</summary>
public sealed record StoreOptions
{
    /// <summary>Data up to this size lives in the database instead of a file (iroh: 16 KiB).</summary>
    public int MaxInlineData { get; init; } = 16 * 1024;

    /// <summary>Outboards up to this size live in the database (16 KiB keeps blobs up to about 4 MiB at chunk log 4).</summary>
    public int MaxInlineOutboard { get; init; } = 16 * 1024;

    /// <summary>Chunk-group size of the outboards (chunk log 4 = 16 KiB groups, as iroh).</summary>
    public BlockSize BlockSize { get; init; } = BlockSize.Default;

    /// <summary>A writer makes its data durable and records ranges after this many bytes (and when flushed or closed).</summary>
    public int WriterFlushBytes { get; init; } = 4 << 20;

    /// <summary>
    /// Lists the children of a pinned <see cref="BlobFormat.HashSeq"/> blob for garbage collection; null reads the
    /// blob as iroh's hash sequence (concatenated 32-byte hashes). The collections layer plugs its reader in here.
    /// </summary>
    public Func<Hash, IAsyncEnumerable<Hash>>? ChildEnumerator { get; init; }

    /// <summary>The file-system store's directory; empty means <see cref="DefaultDataDir"/>.</summary>
    public string DataDir { get; init; } = "";

    /// <summary>Imports hashed at once by the OutboardActor; 0 means one per core.</summary>
    public int OutboardParallelism { get; init; }

    /// <summary>
    /// The most files read and hashed at once by a batch import (<see cref="IBlobStore.ImportFilesAsync"/>); 0 means
    /// <see cref="ImportFilesPerCore"/> per core, at most <see cref="MaxDefaultImportConcurrency"/>. An import starts with
    /// one file per core and takes on more only while the cores are not kept busy: a file that is not in the page cache
    /// keeps its thread waiting for the device, not a core. Cold, a tree import here took 5.6–6.1 s with one file per
    /// core and 3.5–4.4 s growing to four per core; warm it stays at one per core, 1.2–1.3 s (docs/store.md).
    /// </summary>
    public int ImportConcurrency { get; init; }

    /// <summary>Files in flight per core when <see cref="ImportConcurrency"/> is 0.</summary>
    public const int ImportFilesPerCore = 4;

    /// <summary>The most files in flight when <see cref="ImportConcurrency"/> is 0, however many cores there are.</summary>
    public const int MaxDefaultImportConcurrency = 64;

    /// <summary>
    /// Group commit: at most this many imports share one transaction and one durability barrier. Every commit rewrites
    /// the index pages its rows land on (random hashes: most of them), so fewer, fuller batches write less.
    /// </summary>
    public int CommitBatchItems { get; init; } = 16384;

    /// <summary>Group commit: a batch closes once its imports hold this many bytes of data to make durable.</summary>
    public long CommitBatchBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Group commit: how long a batch waits for more imports while others are still being hashed (a lone import
    /// never waits; while a bulk <see cref="IBlobStore.ImportFilesAsync"/> has more files coming, up to one second).
    /// Zero commits whatever is queued at once.
    /// </summary>
    public TimeSpan CommitBatchDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Bytes of recently imported small files (up to <see cref="RecentImportCache.MaxBlobBytes"/>, imported in place) kept
    /// in memory, so that serving them soon after the import opens, reads and hashes nothing again (<c>send</c> serves
    /// what it just imported); 0 keeps none. At least 1 MiB when not 0.
    /// </summary>
    public long RecentImportCacheBytes { get; init; } = 128L << 20;

    /// <summary>How long those bytes are kept after the last of them was imported.</summary>
    public TimeSpan RecentImportCacheTimeToLive { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary><see cref="ImportConcurrency"/> resolved (0 becomes the default for this machine's cores).</summary>
    public int EffectiveImportConcurrency => ImportConcurrency > 0
        ? ImportConcurrency
        : Math.Min(MaxDefaultImportConcurrency, ImportFilesPerCore * Environment.ProcessorCount);

    /// <summary>$IROH_ACTORS_DATA_DIR if set, else ~/.local/share/iroh-actors.</summary>
    public static string DefaultDataDir() =>
        Environment.GetEnvironmentVariable("IROH_ACTORS_DATA_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "iroh-actors");

    /// <summary>Refuses a data directory path that names a file (the store's files and the node's key go inside it).</summary>
    /// <exception cref="IOException">The path is a file.</exception>
    public static void ThrowIfDataDirIsFile(string dataDirectory)
    {
        if (File.Exists(dataDirectory))
            throw new IOException($"the data directory {dataDirectory} is a file, not a directory");
    }

    /// <summary>Reads the <c>iroh.store</c> section (see hocon/reference.conf); missing keys keep the defaults.</summary>
    /// <exception cref="ArgumentException">A value is out of range (the message names the key).</exception>
    public static StoreOptions FromConfig(IrohActors.Hocon.Config config)
    {
        var d = new StoreOptions();
        var chunkLog = config.GetInt("iroh.store.chunk-log", d.BlockSize.ChunkLog);
        if (chunkLog is < 0 or > BlockSize.MaxChunkLog)
            throw new ArgumentException($"iroh.store.chunk-log must be 0..{BlockSize.MaxChunkLog}, got {chunkLog}");
        return new StoreOptions
        {
            DataDir = config.GetString("iroh.store.data-dir", "") ?? "",
            MaxInlineData = NonNegative(config, "iroh.store.inline-data-max", d.MaxInlineData),
            MaxInlineOutboard = NonNegative(config, "iroh.store.inline-outboard-max", d.MaxInlineOutboard),
            BlockSize = BlockSize.FromChunkLog(chunkLog),
            WriterFlushBytes = Math.Max(1, NonNegative(config, "iroh.store.writer-flush-bytes", d.WriterFlushBytes)),
            OutboardParallelism = NonNegative(config, "iroh.store.outboard-parallelism", d.OutboardParallelism),
            ImportConcurrency = NonNegative(config, "iroh.store.import-concurrency", d.ImportConcurrency),
            CommitBatchItems = Math.Max(1, NonNegative(config, "iroh.store.commit-batch-items", d.CommitBatchItems)),
            CommitBatchBytes = Math.Max(1, NonNegativeBytes(config, "iroh.store.commit-batch-bytes", d.CommitBatchBytes)),
            CommitBatchDelay = NonNegativeTime(config, "iroh.store.commit-batch-delay", d.CommitBatchDelay),
            RecentImportCacheBytes = RecentImportCache(config, d.RecentImportCacheBytes),
            RecentImportCacheTimeToLive = PositiveTime(config, "iroh.store.recent-import-cache-ttl", d.RecentImportCacheTimeToLive),
        };
    }

    private static long NonNegativeBytes(IrohActors.Hocon.Config config, string key, long fallback)
    {
        var value = config.GetByteSize(key, fallback);
        return value >= 0 ? value : throw new ArgumentException($"{key} must not be negative, got {value}");
    }

    private static long RecentImportCache(IrohActors.Hocon.Config config, long fallback)
    {
        const string key = "iroh.store.recent-import-cache";
        var value = NonNegativeBytes(config, key, fallback);
        return value is 0 or >= Store.RecentImportCache.SlabBytes
            ? value
            : throw new ArgumentException($"{key} must be 0 (none) or at least {Store.RecentImportCache.SlabBytes} bytes, got {value}");
    }

    private static TimeSpan PositiveTime(IrohActors.Hocon.Config config, string key, TimeSpan fallback)
    {
        var value = config.GetTimeSpan(key, fallback);
        return value > TimeSpan.Zero ? value : throw new ArgumentException($"{key} must be positive, got {value}");
    }

    private static TimeSpan NonNegativeTime(IrohActors.Hocon.Config config, string key, TimeSpan fallback)
    {
        var value = config.GetTimeSpan(key, fallback);
        return value >= TimeSpan.Zero ? value : throw new ArgumentException($"{key} must not be negative, got {value}");
    }

    private static int NonNegative(IrohActors.Hocon.Config config, string key, int fallback)
    {
        var value = config.GetInt(key, fallback);
        return value >= 0 ? value : throw new ArgumentException($"{key} must not be negative, got {value}");
    }
}
