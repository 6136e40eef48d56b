namespace IrohActors.Node.Remote;

/// <summary>
/// Verified 1 KiB chunks of one blob by chunk number, bounded in bytes, least recently used evicted first. Entries
/// are never changed after they are added, so a returned array stays valid after its eviction.
/// </summary>
internal sealed class ChunkCache(long capacityBytes)
{
    private readonly Dictionary<ulong, LinkedListNode<(ulong Chunk, byte[] Data)>> _entries = [];
    private readonly LinkedList<(ulong Chunk, byte[] Data)> _recency = new();
    private readonly Lock _gate = new();
    private long _bytes;

    /// <summary>Bytes held now.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
                return _bytes;
        }
    }

    /// <summary>The chunk's verified bytes, or null; a hit becomes the most recently used.</summary>
    public byte[]? TryGet(ulong chunk)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(chunk, out var node))
                return null;
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Data;
        }
    }

    /// <summary>Keeps a copy of <paramref name="data"/> (the verified bytes of <paramref name="chunk"/>), evicting as needed.</summary>
    public void Add(ulong chunk, ReadOnlySpan<byte> data)
    {
        if (data.Length > capacityBytes)
            return;
        var copy = data.ToArray();
        lock (_gate)
        {
            if (_entries.ContainsKey(chunk))
                return;
            while (_bytes + copy.Length > capacityBytes && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Chunk);
                _bytes -= oldest.Value.Data.Length;
            }
            _entries[chunk] = _recency.AddFirst((chunk, copy));
            _bytes += copy.Length;
        }
    }
}
