using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Store;

namespace IrohActors.Node.NodeHost;

/// <summary>
/// Imports a file or a directory tree into a store (in place by default: files are referenced where they are, not
/// copied) as a collection: a directory's regular files named by relative path with <c>/</c> separators, or a single
/// file under its own name. Symbolic links are skipped (reported), as <see cref="DirectoryLinks"/> does. The
/// collection is tagged (format hash-seq), so it and its children survive garbage collection.
/// </summary>
public static class ContentImporter
{
    /// <summary>Imports <paramref name="path"/> in place under the tag <see cref="TagName"/>.</summary>
    public static Task<ImportedContent> ImportAsync(IBlobStore store, string path, Action<string>? onSkipped, CancellationToken cancellationToken) =>
        ImportAsync(store, path, ImportMode.InPlace, null, onSkipped, cancellationToken);

    /// <summary>
    /// Imports <paramref name="path"/> with <paramref name="mode"/> and tags the collection <paramref name="tag"/>
    /// (default <see cref="TagName"/>); returns the collection's hash, the byte count and the file count.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    public static async Task<ImportedContent> ImportAsync(IBlobStore store, string path, ImportMode mode, string? tag, Action<string>? onSkipped, CancellationToken cancellationToken)
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
        var links = new Link[files.Count];
        IReadOnlyList<ImportResult> pins = [];
        long bytes = 0;
        try
        {
            // One batch import: hashing on all cores, rows committed in groups (one transaction and fsync per batch).
            pins = await store.ImportFilesAsync(files.Select(f => f.Path).ToArray(), mode, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < files.Count; i++)
            {
                links[i] = new Link(files[i].Name, pins[i].Hash);
                bytes += (long)pins[i].Size;
            }
            using var collectionBytes = new MemoryStream();
            var info = await CollectionBuilder.BuildAsync(links, collectionBytes, null, cancellationToken).ConfigureAwait(false);
            using var collection = await store.ImportBytesAsync(collectionBytes.GetBuffer().AsMemory(0, (int)collectionBytes.Length), cancellationToken).ConfigureAwait(false);
            if (collection.Hash != info.Hash)
                throw new InvalidOperationException($"the store hashed the collection to {collection.Hash}, the builder to {info.Hash}");
            await store.SetTagAsync(tag ?? TagName(collection.Hash), collection.Hash, BlobFormat.HashSeq, cancellationToken).ConfigureAwait(false);
            return new ImportedContent(collection.Hash, true, bytes, files.Count);
        }
        finally
        {
            foreach (var pin in pins)
                pin.Dispose();
        }
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
