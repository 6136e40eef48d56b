namespace IrohActors.Collections;

/// <summary>An <see cref="IBlobReader"/> over bytes in memory.</summary>
public sealed class MemoryBlobReader : IBlobReader
{
    private readonly ReadOnlyMemory<byte> _bytes;

    /// <summary>Reads from <paramref name="bytes"/> (not copied).</summary>
    public MemoryBlobReader(ReadOnlyMemory<byte> bytes) => _bytes = bytes;

    /// <inheritdoc/>
    public long Size => _bytes.Length;

    /// <inheritdoc/>
    public ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _bytes.Length)
            return ValueTask.FromResult(0);
        int n = (int)Math.Min(buffer.Length, _bytes.Length - offset);
        _bytes.Span.Slice((int)offset, n).CopyTo(buffer.Span);
        return ValueTask.FromResult(n);
    }
}
