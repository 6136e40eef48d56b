using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Store;

namespace IrohActors.Node.NodeHost;

/// <summary>
/// Imports a file or a directory tree into a store (in place by default: files are referenced where they are, not
/// copied) as a collection: a directory's regular files named by relative path with <c>/</c> separators, or a single
/// file under its own name. Symbolic links, pipes, sockets, devices and names that cannot be opened or received are
/// skipped and reported (<see cref="TreeWalker"/>); a single path that is not a regular file is refused. The
/// collection is tagged (format hash-seq), so it and its children survive garbage collection.
/// </summary>
public static class ContentImporter
{
    /// <summary>Imports <paramref name="path"/> in place under the tag <see cref="TagName"/>.</summary>
    public static Task<ImportedContent> ImportAsync(IBlobStore store, string path, Action<SkippedEntry>? onSkipped, CancellationToken cancellationToken) =>
        ImportAsync(store, path, ImportMode.InPlace, null, onSkipped, cancellationToken);

    /// <summary>
    /// Imports <paramref name="path"/> with <paramref name="mode"/> and tags the collection <paramref name="tag"/>
    /// (default <see cref="TagName"/>); returns the collection's hash, the byte count and the file count.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    public static async Task<ImportedContent> ImportAsync(IBlobStore store, string path, ImportMode mode, string? tag, Action<SkippedEntry>? onSkipped, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var full = Path.GetFullPath(path);
        List<(string Path, string Name)> files;
        if (File.Exists(full))
        {
            // Like sendme, a single file travels as a one-link collection so that the receiver gets its name.
            files = [(full, Path.GetFileName(full))];
        }
        else if (Directory.Exists(full))
            files = TreeWalker.Walk(full, onSkipped, cancellationToken);
        else
            throw new FileNotFoundException($"no such file or directory: {path}", path);
        IReadOnlyList<ImportResult> pins = [];
        IReadOnlyList<HashedBlob>? hashes = null;
        Task<(MemoryStream Bytes, CollectionInfo Info)>? building = null;
        try
        {
            // One batch import: hashing on all cores, rows committed in groups (one transaction and fsync per batch). The
            // collection needs only the hashes: it is built while the last batches commit.
            pins = await store.ImportFilesAsync(files.Select(f => f.Path).ToArray(), mode,
                hashed =>
                {
                    hashes = hashed;
                    building = Task.Run(() => BuildCollectionAsync(files, hashed, cancellationToken), cancellationToken);
                }, cancellationToken).ConfigureAwait(false);
            var (collectionBytes, info) = await (building ?? throw new InvalidOperationException("the store did not report the hashes of the import")).ConfigureAwait(false);
            long bytes = 0;
            for (var i = 0; i < files.Count; i++)
            {
                // The hashes the collection was built from are the ones committed.
                if (pins[i].Hash != hashes![i].Hash)
                    throw new InvalidOperationException($"{files[i].Path}: committed as {pins[i].Hash}, reported hashed as {hashes[i].Hash}");
                bytes += (long)pins[i].Size;
            }
            using var collection = await store.ImportBytesAsync(collectionBytes.GetBuffer().AsMemory(0, (int)collectionBytes.Length), cancellationToken).ConfigureAwait(false);
            if (collection.Hash != info.Hash)
                throw new InvalidOperationException($"the store hashed the collection to {collection.Hash}, the builder to {info.Hash}");
            await store.SetTagAsync(tag ?? TagName(collection.Hash), collection.Hash, BlobFormat.HashSeq, cancellationToken).ConfigureAwait(false);
            return new ImportedContent(collection.Hash, true, bytes, files.Count);
        }
        finally
        {
            // A build still running after a failed import only reads the hashes; it is waited for, its outcome dropped.
            if (building is not null)
                await ((Task)building).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var pin in pins)
                pin.Dispose();
        }
    }

    /// <summary>The collection of the files named as walked, with the hashes of the import (in the same order).</summary>
    private static async Task<(MemoryStream Bytes, CollectionInfo Info)> BuildCollectionAsync(List<(string Path, string Name)> files, IReadOnlyList<HashedBlob> hashed, CancellationToken cancellationToken)
    {
        var links = new Link[files.Count];
        for (var i = 0; i < files.Count; i++)
            links[i] = new Link(files[i].Name, hashed[i].Hash);
        var bytes = new MemoryStream();
        var info = await CollectionBuilder.BuildAsync(links, bytes, null, cancellationToken).ConfigureAwait(false);
        return (bytes, info);
    }

    /// <summary>The tag that keeps imported content.</summary>
    public static string TagName(Hash hash) => $"content/{hash.ToHex()}";
}

/// <summary>What an import produced.</summary>
/// <param name="Hash">The blob or collection hash.</param>
/// <param name="IsCollection">True for a directory.</param>
/// <param name="Bytes">Bytes of file content.</param>
/// <param name="Files">Files imported.</param>
public sealed record ImportedContent(Hash Hash, bool IsCollection, long Bytes, long Files);
