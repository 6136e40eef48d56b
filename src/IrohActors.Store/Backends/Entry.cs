using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store.Backends;

/// <summary>Where a blob's data lives.</summary>
internal enum DataLocation
{
    Inline = 0,
    Owned = 1,
    External = 2,
}

/// <summary>Where a blob's outboard lives (none for blobs of one chunk group).</summary>
internal enum OutboardLocation
{
    NotNeeded = 0,
    Inline = 1,
    Owned = 2,
}

/// <summary>One blob's metadata row.</summary>
internal sealed record Entry(
    Hash Hash,
    BlobState State,
    ulong Size,
    bool SizeProved,
    ChunkRanges Ranges,
    DataLocation Data,
    OutboardLocation Outboard,
    string? ExternalPath = null,
    long ExternalLength = 0,
    long ExternalMtime = 0)
{
    public BlobStatus ToStatus() => new(Hash, State, Size, SizeProved, Ranges);
}

/// <summary>Bytes waiting to become a complete blob: in memory, in a temp file, or an external file referenced in place.</summary>
internal abstract class Staged : IDisposable
{
    public abstract long Length { get; }

    /// <summary>Set by the backend when it took ownership (e.g. renamed the temp file into place).</summary>
    public bool Consumed { get; set; }

    /// <summary>The outboard, when staging computed it on the way (a copy hashes what it writes); else null.</summary>
    public PreOrderOutboard? Outboard { get; init; }

    public virtual void Dispose()
    {
    }
}

internal sealed class StagedBytes(byte[] bytes, int length) : Staged
{
    public ReadOnlyMemory<byte> Memory => bytes.AsMemory(0, length);

    public override long Length => length;
}

internal sealed class StagedFile(string path, long length) : Staged
{
    public string Path => path;

    public override long Length => length;

    public override void Dispose()
    {
        if (!Consumed)
            File.Delete(path);
    }
}

internal sealed class StagedExternal(string path, long length, long mtime) : Staged
{
    public string Path => path;

    public long Mtime => mtime;

    public override long Length => length;
}

/// <summary>Open data and outboard of a blob, for reading.</summary>
internal sealed class BlobData(BaoTree tree, IOutboard outboard, ReadOnlyMemory<byte> memory, Microsoft.Win32.SafeHandles.SafeFileHandle? file, string where, IDisposable? owner) : IDisposable
{
    public BaoTree Tree => tree;

    /// <summary>Size and modification time of the opened file, read from its descriptor when opened; null when not read.</summary>
    public FileStamp? Stamp { get; init; }

    public IOutboard Outboard => outboard;

    /// <summary>The memory holds exactly the bytes the root was computed from (<see cref="RecentImportCache"/>): leaves are not hashed again.</summary>
    public bool LeavesVerified { get; init; }

    public RangeEncoder CreateEncoder(ChunkRanges ranges) => file is null
        ? new RangeEncoder(memory, outboard, ranges) { Where = where, LeavesVerified = LeavesVerified }
        : new RangeEncoder(file, outboard, ranges, where) { Where = where };

    public ChunkRanges Validate() => file is null ? ValidRanges.Compute(memory, outboard) : ValidRanges.Compute(file, outboard);

    public void Dispose()
    {
        file?.Dispose();
        owner?.Dispose();
    }
}

/// <summary>The writable data and outboard of a partial blob.</summary>
internal interface IPartialStorage : IDisposable
{
    /// <summary>
    /// Writes verified leaf bytes at <paramref name="offset"/>. Returns true when a reader of the data file sees them
    /// now; false when they are still on their way (a write-behind device write), visible only after <see cref="Sync"/>.
    /// </summary>
    bool WriteLeaf(ulong offset, ReadOnlySpan<byte> bytes);

    /// <summary>
    /// Memory for a decoder's leaves that <see cref="WriteLeaf(ulong, ReadOnlyMemory{byte}, System.Buffers.IMemoryOwner{byte})"/>
    /// can write without copying (aligned for <c>O_DIRECT</c> where the data file takes direct writes; pooled arrays otherwise).
    /// </summary>
    System.Buffers.IMemoryOwner<byte> RentLeafStorage(int minimumBytes);

    /// <summary>
    /// <see cref="WriteLeaf(ulong, ReadOnlySpan{byte})"/> for bytes lying in <paramref name="storage"/> (from
    /// <see cref="RentLeafStorage"/>): a write-behind device write reads them from there, holding the storage until it finished.
    /// </summary>
    bool WriteLeaf(ulong offset, ReadOnlyMemory<byte> bytes, System.Buffers.IMemoryOwner<byte> storage);

    void WritePair(TreeNode node, in HashPair pair);

    /// <summary>Makes every write so far durable (fsync).</summary>
    void Sync();
}

/// <summary>Metadata and bytes of a store: the memory and the file-system backends implement the same contract.</summary>
internal interface IStorageBackend : IDisposable
{
    Entry? Get(Hash hash);

    List<Entry> List();

    /// <summary>Stages a copy of a file; a copy into a temp file is hashed as it is written (one read).</summary>
    Staged StageFile(string path, CancellationToken cancellationToken);

    Staged StageStream(Stream data, CancellationToken cancellationToken);

    /// <summary>
    /// Stores complete blobs (replacing partial or corrupt ones; keeping existing complete ones) in one transaction
    /// behind one durability barrier: when it returns, every blob of the batch is durable.
    /// </summary>
    void CommitBatch(IReadOnlyList<PendingImport> batch);

    /// <summary>Opens data and outboard; throws <see cref="FileNotFoundException"/> if an owned or external file vanished.</summary>
    BlobData OpenData(Entry entry);

    /// <summary>As <see cref="OpenData(Entry)"/>, with the inline outboard and data already read (<see cref="GetMany"/>).</summary>
    BlobData OpenData(LookedUpEntry found) => OpenData(found.Entry);

    /// <summary>The rows of <paramref name="hashes"/> that exist, with their inline outboard and data, in one read.</summary>
    Dictionary<Hash, LookedUpEntry> GetMany(IReadOnlyList<Hash> hashes)
    {
        var result = new Dictionary<Hash, LookedUpEntry>(hashes.Count);
        foreach (var hash in hashes)
            if (Get(hash) is { } entry)
                result[hash] = new LookedUpEntry(entry, null, null);
        return result;
    }

    /// <summary>Opens (creating or, with <paramref name="reset"/>, emptying) the partial blob's storage.</summary>
    IPartialStorage OpenPartial(Hash hash, BaoTree tree, bool reset);

    /// <summary>As <see cref="OpenPartial(Hash, BaoTree, bool)"/>; a new partial blob's data goes next to <paramref name="placeDataAt"/> (see <see cref="BlobPlacement"/>). Backends that cannot place ignore it.</summary>
    IPartialStorage OpenPartial(Hash hash, BaoTree tree, bool reset, string? placeDataAt) => OpenPartial(hash, tree, reset);

    /// <summary>Records durable ranges of a partial blob (ignored unless the blob is still partial).</summary>
    void RecordRanges(Hash hash, bool sizeProved, ChunkRanges ranges);

    /// <summary>Turns a partial blob whose every chunk is present into a complete one.</summary>
    void Promote(Hash hash, BaoTree tree);

    void MarkCorrupt(Hash hash);

    void UpdateExternal(Hash hash, long length, long mtime);

    void Delete(Hash hash);

    /// <summary>Hard-links the owned data file to <paramref name="path"/>; false if not possible.</summary>
    bool TryHardLink(Entry entry, string path);

    void SetTag(TagInfo tag);

    bool RemoveTag(string name);

    List<TagInfo> ListTags();
}

/// <summary>A row read by <see cref="IStorageBackend.GetMany"/>, with its inline outboard and data when it has them (null: read on open).</summary>
internal sealed record LookedUpEntry(Entry Entry, byte[]? InlineOutboard, byte[]? InlineData);
