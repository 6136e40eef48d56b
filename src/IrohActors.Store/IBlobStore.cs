using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store;

/// <summary>
/// A content-addressed blob store: complete and partial blobs with their outboards, tags, temporary tags and
/// garbage collection. Everything read out of it is verified against the hash; bad local data surfaces as
/// <see cref="BlobCorruptException"/> and the blob is marked corrupt.
/// </summary>
public interface IBlobStore : IAsyncDisposable
{
    /// <summary>The chunk-group size of the outboards this store keeps (writers' trees must use it).</summary>
    BlockSize BlockSize { get; }

    /// <summary>Imports bytes; the result holds a temporary tag pinning the blob until disposed.</summary>
    Task<ImportResult> ImportBytesAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Imports everything <paramref name="data"/> yields.</summary>
    Task<ImportResult> ImportStreamAsync(Stream data, CancellationToken cancellationToken = default);

    /// <summary>Imports a file by copy or in place (referenced, with its size and modification time recorded).</summary>
    Task<ImportResult> ImportFileAsync(string path, ImportMode mode = ImportMode.Copy, CancellationToken cancellationToken = default);

    /// <summary>
    /// Imports many files (a directory tree, a received collection) by copy or in place, reading and hashing up to
    /// <see cref="StoreOptions.ImportConcurrency"/> files at once and committing them in batches (group commit: one
    /// transaction and one durability barrier per batch). Returns the results in the order of
    /// <paramref name="paths"/>, each durable and pinned by its temporary tag. If any file fails, the others'
    /// pins are released and the first error is thrown.
    /// </summary>
    Task<IReadOnlyList<ImportResult>> ImportFilesAsync(IReadOnlyList<string> paths, ImportMode mode = ImportMode.Copy, CancellationToken cancellationToken = default) =>
        BlobStoreDefaults.ImportFilesOneByOneAsync(this, paths, mode, cancellationToken);

    /// <summary>
    /// <see cref="ImportFilesAsync(IReadOnlyList{string}, ImportMode, CancellationToken)"/>, calling
    /// <paramref name="onHashed"/> once, as soon as every file is hashed, with each file's hash and size in the order of
    /// <paramref name="paths"/> — possibly while the last batches are still being committed, so that work needing only
    /// the hashes (building a collection) overlaps the commits. Nothing is durable or pinned until the returned task
    /// completes; when it fails, what was reported must not be relied on. Not called when hashing fails or is cancelled;
    /// an exception it throws fails the import (after the queued commits finish).
    /// </summary>
    Task<IReadOnlyList<ImportResult>> ImportFilesAsync(IReadOnlyList<string> paths, ImportMode mode, Action<IReadOnlyList<HashedBlob>> onHashed, CancellationToken cancellationToken = default) =>
        BlobStoreDefaults.ImportFilesThenReportAsync(this, paths, mode, onHashed, cancellationToken);

    /// <summary>
    /// Records files the caller wrote and verified itself (a download that placed received blobs at their final
    /// paths) as blobs referenced in place, without reading them again: each file's bytes must hash to its
    /// outboard's root (they were verified against it as they arrived) and must already be durable (the caller
    /// syncs them first). Committed in batches like <see cref="ImportFilesAsync"/>; a blob already complete keeps
    /// its first copy, a partial one is replaced. Nothing is pinned beyond the call (tag the collection first).
    /// </summary>
    /// <exception cref="ArgumentException">A file's outboard does not describe <see cref="PlacedFile.Length"/> bytes at this store's chunk-group size.</exception>
    Task RecordPlacedFilesAsync(IReadOnlyList<PlacedFile> files, CancellationToken cancellationToken = default) =>
        BlobStoreDefaults.RecordPlacedFilesByImportAsync(this, files, cancellationToken);

    /// <summary>Writes a complete blob to <paramref name="path"/> (must not exist), verifying every byte first.</summary>
    /// <exception cref="BlobNotFoundException">The blob is absent or incomplete.</exception>
    /// <exception cref="BlobCorruptException">The stored bytes do not verify; nothing is left at <paramref name="path"/>.</exception>
    Task ExportAsync(Hash hash, string path, ExportMode mode = ExportMode.Copy, CancellationToken cancellationToken = default);

    /// <summary>Opens a reader yielding the verified stream of <paramref name="ranges"/> (which must be present).</summary>
    /// <exception cref="BlobNotFoundException">Some requested ranges are not present.</exception>
    Task<BlobReader> OpenReaderAsync(Hash hash, ChunkRanges ranges, CancellationToken cancellationToken = default);

    /// <summary>
    /// Looks up many blobs at once (a collection's children about to be served one after another): their records and
    /// small inline bytes in one read of the store's database, so that opening each one's reader through the returned
    /// <see cref="BlobLookup"/> costs no database read of its own. Readers opened that way verify every byte as
    /// <see cref="OpenReaderAsync"/>'s do, and a blob that was not complete at the lookup is opened as
    /// <see cref="OpenReaderAsync"/> opens it.
    /// </summary>
    Task<BlobLookup> LookUpAsync(IReadOnlyList<Hash> hashes, CancellationToken cancellationToken = default) =>
        Task.FromResult(new BlobLookup((hash, ranges, ct) => new ValueTask<BlobReader>(OpenReaderAsync(hash, ranges, ct))));

    /// <summary>What the store holds of <paramref name="hash"/>.</summary>
    Task<BlobStatus> StatusAsync(Hash hash, CancellationToken cancellationToken = default);

    /// <summary>The chunk ranges still needed to complete <paramref name="hash"/> (all when absent, none when complete).</summary>
    Task<ChunkRanges> MissingAsync(Hash hash, CancellationToken cancellationToken = default);

    /// <summary>Every blob held (complete, partial or corrupt).</summary>
    IAsyncEnumerable<BlobStatus> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a blob now (an emergency tool: garbage collection is the normal way); false if absent.</summary>
    /// <exception cref="BlobBusyException">A writer is open on the blob.</exception>
    Task<bool> DeleteAsync(Hash hash, CancellationToken cancellationToken = default);

    /// <summary>The current status, then every change (ranges arriving, completion, corruption, deletion) until cancelled.</summary>
    IAsyncEnumerable<BlobStatus> ObserveAsync(Hash hash, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the single writer of a (partial) blob whose verified stream has the geometry <paramref name="tree"/>
    /// (its size as claimed by the sender). The writer pins the blob while open.
    /// </summary>
    /// <exception cref="BlobBusyException">Another writer is open on the blob.</exception>
    /// <exception cref="BlobSizeMismatchException">The blob's size is proved and differs from <paramref name="tree"/>'s.</exception>
    Task<IBlobWriter> OpenWriterAsync(Hash hash, BaoTree tree, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="OpenWriterAsync(Hash, BaoTree, CancellationToken)"/>, but a new partial blob's data file is
    /// written at its final place outside the store: under a temporary name next to <paramref name="placeDataAt"/>
    /// (see <see cref="BlobPlacement.TemporaryPath"/>), renamed to <paramref name="placeDataAt"/> without
    /// overwriting when the blob completes, then referenced in place (outboard and ranges stay in the store). A
    /// blob already partial elsewhere continues where it is; a store that cannot place (in memory) ignores it.
    /// The caller is responsible for <paramref name="placeDataAt"/> being a safe path.
    /// </summary>
    /// <exception cref="BlobBusyException">Another writer is open on the blob.</exception>
    /// <exception cref="BlobSizeMismatchException">The blob's size is proved and differs from <paramref name="tree"/>'s.</exception>
    Task<IBlobWriter> OpenWriterAsync(Hash hash, BaoTree tree, string placeDataAt, CancellationToken cancellationToken = default) =>
        OpenWriterAsync(hash, tree, cancellationToken);

    /// <summary>Pins <paramref name="hash"/> (and its children for <see cref="BlobFormat.HashSeq"/>) until the handle is disposed.</summary>
    TempTag CreateTempTag(Hash hash, BlobFormat format = BlobFormat.Raw);

    /// <summary>Sets (or moves) the named tag.</summary>
    Task SetTagAsync(string name, Hash hash, BlobFormat format = BlobFormat.Raw, CancellationToken cancellationToken = default);

    /// <summary>Removes the named tag; false if it did not exist.</summary>
    Task<bool> RemoveTagAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>All named tags, sorted by name.</summary>
    Task<IReadOnlyList<TagInfo>> ListTagsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Mark and sweep: deletes every blob not pinned by a tag, a temporary tag, an open writer, or as a child
    /// of a pinned hash sequence.
    /// </summary>
    Task<GcResult> GcAsync(CancellationToken cancellationToken = default);
}

/// <summary>Fallbacks for <see cref="IBlobStore"/> implementations that do not batch.</summary>
internal static class BlobStoreDefaults
{
    /// <summary>Imports the files in place (hashing them again) and checks that each hashes to its outboard's root.</summary>
    public static async Task RecordPlacedFilesByImportAsync(IBlobStore store, IReadOnlyList<PlacedFile> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var results = await store.ImportFilesAsync([.. files.Select(f => f.Path)], ImportMode.InPlace, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < files.Count; i++)
        {
            using var result = results[i];
            if (result.Hash != files[i].Hash)
                throw new IOException($"{files[i].Path} changed after it was placed: it hashes to {result.Hash.ToHex()}, not {files[i].Hash.ToHex()}");
        }
    }

    /// <summary>Imports the files as one call, then reports their hashes (a store that does not batch has no commits to overlap).</summary>
    public static async Task<IReadOnlyList<ImportResult>> ImportFilesThenReportAsync(IBlobStore store, IReadOnlyList<string> paths, ImportMode mode, Action<IReadOnlyList<HashedBlob>> onHashed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onHashed);
        var results = await store.ImportFilesAsync(paths, mode, cancellationToken).ConfigureAwait(false);
        try
        {
            onHashed([.. results.Select(r => new HashedBlob(r.Hash, r.Size))]);
            return results;
        }
        catch
        {
            foreach (var result in results)
                result.Dispose();
            throw;
        }
    }

    /// <summary>Imports the files one at a time; on a failure releases the earlier results' pins and rethrows.</summary>
    public static async Task<IReadOnlyList<ImportResult>> ImportFilesOneByOneAsync(IBlobStore store, IReadOnlyList<string> paths, ImportMode mode, CancellationToken cancellationToken)
    {
        var results = new List<ImportResult>(paths.Count);
        try
        {
            foreach (var path in paths)
                results.Add(await store.ImportFileAsync(path, mode, cancellationToken).ConfigureAwait(false));
            return results;
        }
        catch
        {
            foreach (var result in results)
                result.Dispose();
            throw;
        }
    }
}

/// <summary>A file written and verified by its caller, to be referenced in place (<see cref="IBlobStore.RecordPlacedFilesAsync"/>).</summary>
/// <param name="Path">The file's full path.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="LastWriteTimeUtcTicks">Its modification time as read back after writing (<see cref="DateTime.Ticks"/>, UTC): a later change shows as a different time.</param>
/// <param name="Outboard">Its verified outboard; <see cref="SlottedOutboard.Root"/> is the blob's hash.</param>
public sealed record PlacedFile(string Path, long Length, long LastWriteTimeUtcTicks, PreOrderOutboard Outboard)
{
    /// <summary>The blob's hash (the outboard's root).</summary>
    public Hash Hash => Outboard.Root;
}

/// <summary>Blobs looked up together by <see cref="IBlobStore.LookUpAsync"/>: opens their readers without a database read each.</summary>
public sealed class BlobLookup
{
    private readonly Func<Hash, ChunkRanges, CancellationToken, ValueTask<BlobReader>> _open;
    private readonly Func<Hash, ulong?>? _completeSize;

    internal BlobLookup(Func<Hash, ChunkRanges, CancellationToken, ValueTask<BlobReader>> open, Func<Hash, ulong?>? completeSize = null)
    {
        _open = open;
        _completeSize = completeSize;
    }

    /// <summary>
    /// The size of <paramref name="hash"/> when it was complete at the lookup (what a reader opened through this lookup
    /// will have, unless the blob changes meanwhile); false when it was not, or when the store does not say.
    /// </summary>
    public bool TryGetCompleteSize(Hash hash, out ulong size)
    {
        var found = _completeSize?.Invoke(hash);
        size = found ?? 0;
        return found.HasValue;
    }

    /// <summary>As <see cref="IBlobStore.OpenReaderAsync"/>, from the record looked up when the blob was complete then.</summary>
    /// <exception cref="BlobNotFoundException">Some requested ranges are not present.</exception>
    /// <exception cref="BlobCorruptException">The blob is marked corrupt, or its in-place file changed.</exception>
    public ValueTask<BlobReader> OpenReaderAsync(Hash hash, ChunkRanges ranges, CancellationToken cancellationToken = default) => _open(hash, ranges, cancellationToken);
}

/// <summary>A blob's hash and size as hashed by an import, before it is durable (<see cref="IBlobStore.ImportFilesAsync(IReadOnlyList{string}, ImportMode, Action{IReadOnlyList{HashedBlob}}, CancellationToken)"/>).</summary>
/// <param name="Hash">The blob's hash (its outboard's root).</param>
/// <param name="Size">Its size in bytes.</param>
public readonly record struct HashedBlob(Hash Hash, ulong Size);

/// <summary>The result of an import: the hash, the size and a temporary tag that pins the blob until disposed.</summary>
public sealed class ImportResult : IDisposable
{
    internal ImportResult(Hash hash, ulong size, TempTag tag)
    {
        Hash = hash;
        Size = size;
        TempTag = tag;
    }

    /// <summary>The blob's hash.</summary>
    public Hash Hash { get; }

    /// <summary>Its size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>Pins the blob against garbage collection until disposed (set a named tag first to keep it).</summary>
    public TempTag TempTag { get; }

    /// <summary>Releases the temporary tag.</summary>
    public void Dispose() => TempTag.Dispose();
}

/// <summary>An in-process pin on a blob; garbage collection keeps the blob until the handle is disposed.</summary>
public sealed class TempTag : IDisposable
{
    private Action<TempTag>? _release;

    internal TempTag(Hash hash, BlobFormat format, Action<TempTag> release)
    {
        Hash = hash;
        Format = format;
        _release = release;
    }

    /// <summary>The pinned blob.</summary>
    public Hash Hash { get; }

    /// <summary>Whether its children are pinned too.</summary>
    public BlobFormat Format { get; }

    /// <summary>Releases the pin (idempotent).</summary>
    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke(this);
}

/// <summary>
/// The single writer of a partial blob. It accepts only items that came out of a <see cref="ResponseDecoder"/>
/// for the same hash and tree (that is, verified parents and leaves), writes them, and records which chunk
/// groups are present in batches, never before the bytes are durable.
/// </summary>
public interface IBlobWriter : IAsyncDisposable
{
    /// <summary>The blob written.</summary>
    Hash Hash { get; }

    /// <summary>Its geometry (size as claimed by the sender).</summary>
    BaoTree Tree { get; }

    /// <summary>True once every chunk is present and the blob was promoted to complete.</summary>
    bool IsComplete { get; }

    /// <summary>Writes one verified item (a parent pair or a leaf) from a decoder of this blob.</summary>
    ValueTask WriteAsync(EncodedItem item, CancellationToken cancellationToken = default);

    /// <summary>Drains <paramref name="decoder"/> (same root and tree as this writer) into the blob.</summary>
    /// <exception cref="ArgumentException">The decoder is for another hash or tree.</exception>
    Task WriteAllAsync(ResponseDecoder decoder, CancellationToken cancellationToken = default);

    /// <summary>Makes everything written so far durable and records its ranges; promotes the blob when complete.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}

/// <summary>Names used when a writer places a blob's data file outside the store.</summary>
public static class BlobPlacement
{
    /// <summary>The temporary name, in the same directory, under which the data of <paramref name="finalPath"/> is written until it completes.</summary>
    public static string TemporaryPath(string finalPath) =>
        Path.Combine(Path.GetDirectoryName(finalPath) ?? ".", $".{Path.GetFileName(finalPath)}.iroh-partial");
}
