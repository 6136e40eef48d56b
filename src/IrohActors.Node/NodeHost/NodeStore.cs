using System.Runtime.CompilerServices;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Provider;
using IrohActors.Store;

namespace IrohActors.Node.NodeHost;

/// <summary>
/// Opens a node's file-system store so that garbage collection reads collections as collections: a tag on a
/// collection keeps its children. Every opener of a node data directory (the node itself, the CLI's store
/// commands) goes through here, so a <c>gc</c> never sees a collection as an opaque blob and deletes its files.
/// </summary>
public static class NodeStore
{
    /// <summary>Opens (creating if needed) the file-system store in <paramref name="directory"/>.</summary>
    public static IBlobStore OpenFileSystem(string directory, StoreOptions? options = null)
    {
        IBlobStore? self = null;
        var withChildren = (options ?? new StoreOptions()) with { ChildEnumerator = hash => CollectionChildren(self!, hash) };
        return self = BlobStores.OpenFileSystem(directory, withChildren);
    }

    private static async IAsyncEnumerable<Hash> CollectionChildren(IBlobStore store, Hash hash, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var collection = await CollectionReader.OpenAsync(await StoreBlobReader.OpenAsync(store, hash, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
            yield return link.Hash;
    }
}
