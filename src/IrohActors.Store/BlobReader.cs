using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store.Backends;

namespace IrohActors.Store;

/// <summary>
/// Reads the verified stream (pre-order parents and leaves) of chunk ranges of a stored blob. Every item is
/// checked against the hash before it is handed out; a failure marks the blob corrupt and throws
/// <see cref="BlobCorruptException"/> naming the blob and chunk, so nothing wrong is sent or exported.
/// </summary>
public sealed class BlobReader : IDisposable
{
    private readonly BlobData _data;
    private readonly RangeEncoder _encoder;
    private readonly StoreEngine _engine;

    internal BlobReader(Hash hash, BlobData data, ChunkRanges ranges, StoreEngine engine)
    {
        Hash = hash;
        _data = data;
        _engine = engine;
        Ranges = ranges.Truncate(data.Tree.Size);
        _encoder = data.CreateEncoder(ranges);
    }

    /// <summary>The blob read.</summary>
    public Hash Hash { get; }

    /// <summary>Its geometry; <c>Tree.Size</c> is what a provider sends as the size header.</summary>
    public BaoTree Tree => _data.Tree;

    /// <summary>The ranges read, canonicalised against the size.</summary>
    public ChunkRanges Ranges { get; }

    /// <summary>
    /// True (the default): reads ahead and verifies on all cores (<see cref="RangeEncoder.Parallel"/>). False: all on the
    /// calling thread, as a server wants it (its requests share the cores, and it encrypts each item on the same thread).
    /// </summary>
    public bool Parallel
    {
        get => _encoder.Parallel;
        set => _encoder.Parallel = value;
    }

    /// <summary>The next verified item; false when done.</summary>
    /// <exception cref="BlobCorruptException">The stored bytes failed verification (the blob is now marked corrupt).</exception>
    public bool TryNext(out EncodedItem item)
    {
        try
        {
            return _encoder.TryNext(out item);
        }
        catch (BaoVerificationException e)
        {
            throw _engine.Corrupt(Hash, e.Chunk.Value, e.Message, e);
        }
    }

    /// <summary>The bytes of the whole verified stream of <see cref="Ranges"/> (parents and leaves, no size header).</summary>
    public ulong EncodedLength => _encoder.EncodedLength;

    /// <summary>
    /// Writes the rest of the verified stream into <paramref name="destination"/> (which must hold it: <see cref="EncodedLength"/>
    /// bytes when nothing was read yet) and returns its length; leaves are read from storage straight into place and
    /// checked there. For many small blobs, where handing out items one by one costs more than the bytes.
    /// </summary>
    /// <exception cref="BlobCorruptException">The stored bytes failed verification (the blob is now marked corrupt); what was written is not to be used.</exception>
    public int EncodeTo(Span<byte> destination)
    {
        try
        {
            return _encoder.EncodeTo(destination);
        }
        catch (BaoVerificationException e)
        {
            throw _engine.Corrupt(Hash, e.Chunk.Value, e.Message, e);
        }
    }

    /// <summary>Writes the verified stream (no size header) to <paramref name="output"/>.</summary>
    public async Task WriteToAsync(Stream output, CancellationToken cancellationToken = default)
    {
        while (TryNext(out var item))
            await output.WriteAsync(item.Bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes only the verified data bytes, in order, to <paramref name="output"/>.</summary>
    public async Task CopyDataToAsync(Stream output, CancellationToken cancellationToken = default)
    {
        while (TryNext(out var item))
            if (!item.IsParent)
                await output.WriteAsync(item.Bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _encoder.Dispose();
        _data.Dispose();
    }
}
