namespace IrohActors.Collections.Index;

/// <summary>
/// Bump allocator for the edge labels of a <see cref="RadixTree{TValue}"/>: labels are slices of a few shared
/// chunks instead of one array each, so a label costs its bytes and no array header. Space of removed labels is
/// not reused; the tree rebuilds its arena when more than half of it is garbage.
/// </summary>
internal sealed class LabelArena
{
    private const int FirstChunkSize = 256;
    private const int MaxChunkSize = 64 * 1024;

    /// <summary>Labels at least this long get an array of their own (a chunk would waste too much tail).</summary>
    private const int OwnArrayThreshold = MaxChunkSize / 4;

    private byte[] _chunk = [];
    private int _chunkUsed;
    private int _nextChunkSize = FirstChunkSize;

    /// <summary>Bytes handed out so far (live labels and garbage).</summary>
    public long BytesHandedOut { get; private set; }

    /// <summary>Bytes of all arrays this arena allocated (its memory footprint).</summary>
    public long BytesReserved { get; private set; }

    /// <summary>Copies <paramref name="bytes"/> into the arena and returns where they now live.</summary>
    public (byte[] Array, int Start) Append(ReadOnlySpan<byte> bytes)
    {
        var (array, start) = Allocate(bytes.Length);
        bytes.CopyTo(array.AsSpan(start));
        return (array, start);
    }

    /// <summary>Copies <paramref name="first"/> then <paramref name="second"/> into one contiguous slice.</summary>
    public (byte[] Array, int Start) Append(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var (array, start) = Allocate(first.Length + second.Length);
        first.CopyTo(array.AsSpan(start));
        second.CopyTo(array.AsSpan(start + first.Length));
        return (array, start);
    }

    private (byte[] Array, int Start) Allocate(int length)
    {
        BytesHandedOut += length;
        if (length >= OwnArrayThreshold)
        {
            BytesReserved += length;
            return (new byte[length], 0);
        }
        if (length > _chunk.Length - _chunkUsed)
        {
            int size = _nextChunkSize;
            while (size < length)
                size *= 2;
            _chunk = new byte[size];
            _chunkUsed = 0;
            BytesReserved += size;
            _nextChunkSize = Math.Min(MaxChunkSize, size * 2);
        }
        int at = _chunkUsed;
        _chunkUsed += length;
        return (_chunk, at);
    }
}
