namespace IrohActors.Collections;

/// <summary>
/// Random-access reads of one blob's verified bytes. Implementations: local bytes and files here; the store and
/// remote range requests plug in the same way.
/// </summary>
public interface IBlobReader
{
    /// <summary>Size of the blob in bytes.</summary>
    long Size { get; }

    /// <summary>
    /// Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns the count read, which is less
    /// than requested only at the end of the blob (0 at or past the end).
    /// </summary>
    ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);
}
