using IrohActors.Store.Backends;

namespace IrohActors.Store;

/// <summary>Creates blob stores: the file-system store (the default) and the in-memory store, which behave the same.</summary>
public static class BlobStores
{
    /// <summary>An in-memory store, for tests and embedding.</summary>
    public static IBlobStore InMemory(StoreOptions? options = null)
    {
        options ??= new StoreOptions();
        return new StoreEngine(new MemoryBackend(options.BlockSize), options);
    }

    /// <summary>
    /// Opens (creating if needed) the file-system store in <paramref name="directory"/>: cleans the temp area
    /// and removes data files left without a metadata row by a crash.
    /// </summary>
    public static IBlobStore OpenFileSystem(string directory, StoreOptions? options = null)
    {
        options ??= new StoreOptions();
        return new StoreEngine(new FileSystemBackend(directory, options), options);
    }
}
