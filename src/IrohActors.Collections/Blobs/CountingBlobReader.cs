namespace IrohActors.Collections;

/// <summary>Wraps an <see cref="IBlobReader"/> and counts the reads and bytes it returns (for tests and benchmarks).</summary>
public sealed class CountingBlobReader : IBlobReader
{
    private readonly IBlobReader _inner;
    private long _bytesRead;
    private long _reads;

    /// <summary>Counts reads made through this wrapper of <paramref name="inner"/>.</summary>
    public CountingBlobReader(IBlobReader inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc/>
    public long Size => _inner.Size;

    /// <summary>Total bytes returned so far.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Number of read calls so far.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Sets both counters to zero.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _bytesRead, 0);
        Interlocked.Exchange(ref _reads, 0);
    }

    /// <inheritdoc/>
    public async ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAtAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bytesRead, n);
        Interlocked.Increment(ref _reads);
        return n;
    }
}
