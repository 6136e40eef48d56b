using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Store;

namespace IrohActors.Node.NodeHost;

/// <summary>
/// Imports a file or a directory tree into a store in place (files are referenced where they are, not copied)
/// as a collection: a directory's regular files named by relative path with <c>/</c> separators, or a single file
/// under its own name. Symbolic links are skipped (reported), as <see cref="DirectoryLinks"/> does.
/// </summary>
internal static class ContentImporter
{
    /// <summary>Imports <paramref name="path"/>; returns the collection's hash, the byte count and the file count.</summary>
    public static async Task<ImportedContent> ImportAsync(IBlobStore store, string path, Action<string>? onSkipped, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        List<(string Path, string Name)> files;
        if (File.Exists(full))
        {
            // Like sendme, a single file travels as a one-link collection so that the receiver gets its name.
            files = [(full, Path.GetFileName(full))];
        }
        else if (Directory.Exists(full))
            files = Walk(full, onSkipped, cancellationToken).ToList();
        else
            throw new FileNotFoundException($"no such file or directory: {path}", path);
        var links = new Link[files.Count];
        IReadOnlyList<ImportResult> tags = [];
        long bytes = 0;
        try
        {
            // One batch import: hashing on all cores, rows committed in groups (one transaction and fsync per batch).
            tags = await store.ImportFilesAsync(files.Select(f => f.Path).ToArray(), ImportMode.InPlace, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < files.Count; i++)
            {
                links[i] = new Link(files[i].Name, tags[i].Hash);
                bytes += (long)tags[i].Size;
            }
            using var collectionBytes = new MemoryStream();
            var info = await CollectionBuilder.BuildAsync(links, collectionBytes, null, cancellationToken).ConfigureAwait(false);
            using var collection = await store.ImportBytesAsync(collectionBytes.GetBuffer().AsMemory(0, (int)collectionBytes.Length), cancellationToken).ConfigureAwait(false);
            if (collection.Hash != info.Hash)
                throw new InvalidOperationException($"the store hashed the collection to {collection.Hash}, the builder to {info.Hash}");
            await store.SetTagAsync(TagName(collection.Hash), collection.Hash, BlobFormat.HashSeq, cancellationToken).ConfigureAwait(false);
            return new ImportedContent(collection.Hash, true, bytes, files.Count);
        }
        finally
        {
            foreach (var tag in tags)
                tag.Dispose();
        }
    }

    /// <summary>The tag that keeps imported content.</summary>
    public static string TagName(Hash hash) => $"content/{hash.ToHex()}";

    private static IEnumerable<(string Path, string Name)> Walk(string root, Action<string>? onSkipped, CancellationToken cancellationToken)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 };
        var pending = new Stack<(DirectoryInfo Dir, string Prefix)>();
        pending.Push((new DirectoryInfo(root), ""));
        while (pending.TryPop(out var current))
        {
            foreach (var entry in current.Dir.EnumerateFileSystemInfos("*", options))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = current.Prefix + entry.Name;
                if (entry.LinkTarget is not null)
                    onSkipped?.Invoke(name);
                else if (entry is DirectoryInfo dir)
                    pending.Push((dir, name + "/"));
                else
                    yield return (entry.FullName, name);
            }
        }
    }
}

/// <summary>What an import produced.</summary>
/// <param name="Hash">The blob or collection hash.</param>
/// <param name="IsCollection">True for a directory.</param>
/// <param name="Bytes">Bytes of file content.</param>
/// <param name="Files">Files imported.</param>
public sealed record ImportedContent(Hash Hash, bool IsCollection, long Bytes, long Files);
