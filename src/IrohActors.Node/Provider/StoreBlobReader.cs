using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Store;

namespace IrohActors.Node.Provider;

/// <summary>
/// Random access to a complete blob in the store through its verified reader: each read opens a reader for the
/// chunks it touches and copies out only data that verified. Used to read collections without loading them whole.
/// </summary>
internal sealed class StoreBlobReader : IBlobReader
{
    private readonly IBlobStore _store;
    private readonly Hash _hash;

    private StoreBlobReader(IBlobStore store, Hash hash, long size)
    {
        _store = store;
        _hash = hash;
        Size = size;
    }

    public long Size { get; }

    /// <summary>Opens the complete blob <paramref name="hash"/>.</summary>
    /// <exception cref="BlobNotFoundException">The blob is absent or incomplete.</exception>
    public static async Task<StoreBlobReader> OpenAsync(IBlobStore store, Hash hash, CancellationToken cancellationToken)
    {
        var status = await store.StatusAsync(hash, cancellationToken).ConfigureAwait(false);
        if (status.State != BlobState.Complete)
            throw new BlobNotFoundException(hash, await store.MissingAsync(hash, cancellationToken).ConfigureAwait(false), $"is {status.State}, a complete blob is needed");
        return new StoreBlobReader(store, hash, (long)status.Size);
    }

    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (offset >= Size || buffer.IsEmpty)
            return 0;
        var end = Math.Min(Size, offset + buffer.Length);
        using var reader = await _store.OpenReaderAsync(_hash, ChunkRanges.Bytes((ulong)offset, (ulong)end), cancellationToken).ConfigureAwait(false);
        while (reader.TryNext(out var item))
        {
            if (item.IsParent)
                continue;
            var itemStart = (long)item.Offset;
            var itemEnd = itemStart + item.Bytes.Length;
            var from = Math.Max(itemStart, offset);
            var to = Math.Min(itemEnd, end);
            if (from < to)
                item.Bytes.Slice((int)(from - itemStart), (int)(to - from)).CopyTo(buffer[(int)(from - offset)..]);
        }
        return (int)(end - offset);
    }
}
