using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store.Backends;

/// <summary>Keeps everything in dictionaries; in-place imports still reference their file, as on disk.</summary>
internal sealed class MemoryBackend(BlockSize blockSize) : IStorageBackend
{
    private readonly object _lock = new();
    private readonly Dictionary<Hash, Entry> _entries = [];
    private readonly Dictionary<Hash, byte[]> _data = [];
    private readonly Dictionary<Hash, byte[]> _outboards = [];
    private readonly SortedDictionary<string, TagInfo> _tags = new(StringComparer.Ordinal);

    public Entry? Get(Hash hash)
    {
        lock (_lock)
            return _entries.GetValueOrDefault(hash);
    }

    public List<Entry> List()
    {
        lock (_lock)
            return [.. _entries.Values];
    }

    public Staged StageFile(string path, CancellationToken cancellationToken)
    {
        // Regular files only: a named pipe would make the read wait for a writer, a device might never end.
        using var source = NativeFile.OpenRegularFile(path);
        var bytes = new byte[RandomAccess.GetLength(source)];
        if (!ScratchBuffer.TryReadWhole(source, bytes))
            throw new IOException($"{path} shrank while it was being imported; import it again");
        return new StagedBytes(bytes, bytes.Length);
    }

    public Staged StageStream(Stream data, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        data.CopyTo(buffer);
        return new StagedBytes(buffer.GetBuffer(), (int)buffer.Length);
    }

    public void CommitBatch(IReadOnlyList<PendingImport> batch)
    {
        foreach (var item in batch)
            CommitComplete(item.Hash, item.Staged, item.Outboard);
    }

    private void CommitComplete(Hash hash, Staged staged, PreOrderOutboard outboard)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var old) && old.State == BlobState.Complete)
                return;
            var size = (ulong)staged.Length;
            var outboardLocation = outboard.Tree.OutboardSize == 0 ? OutboardLocation.NotNeeded : OutboardLocation.Inline;
            _outboards[hash] = outboard.Data ?? [];
            Entry entry;
            if (staged is StagedExternal external)
            {
                _data.Remove(hash);
                entry = new Entry(hash, BlobState.Complete, size, true, FullRanges(size), DataLocation.External, outboardLocation,
                    external.Path, external.Length, external.Mtime);
            }
            else
            {
                _data[hash] = ((StagedBytes)staged).Memory.ToArray();
                entry = new Entry(hash, BlobState.Complete, size, true, FullRanges(size), DataLocation.Inline, outboardLocation);
            }
            _entries[hash] = entry;
        }
    }

    public BlobData OpenData(Entry entry)
    {
        var tree = new BaoTree(entry.Size, blockSize);
        byte[] outboardBytes;
        byte[]? data;
        lock (_lock)
        {
            outboardBytes = _outboards.GetValueOrDefault(entry.Hash) ?? [];
            data = _data.GetValueOrDefault(entry.Hash);
        }
        var outboard = PreOrderOutboard.FromBytes(tree, entry.Hash, outboardBytes);
        if (entry.Data == DataLocation.External)
        {
            var handle = File.OpenHandle(entry.ExternalPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new BlobData(tree, outboard, default, handle, entry.ExternalPath!, null);
        }
        return new BlobData(tree, outboard, data ?? [], null, "memory store", null);
    }

    public IPartialStorage OpenPartial(Hash hash, BaoTree tree, bool reset)
    {
        if (tree.Size > int.MaxValue)
            throw new NotSupportedException($"blob {hash}: the memory store holds blobs up to 2 GiB, a writer claims {tree.Size} bytes");
        lock (_lock)
        {
            if (reset || !_entries.TryGetValue(hash, out var entry) || entry.State != BlobState.Partial)
            {
                _data[hash] = new byte[tree.Size];
                _outboards[hash] = new byte[tree.OutboardSize];
                _entries[hash] = new Entry(hash, BlobState.Partial, tree.Size, false, ChunkRanges.Empty, DataLocation.Inline,
                    tree.OutboardSize == 0 ? OutboardLocation.NotNeeded : OutboardLocation.Inline);
            }
            return new MemoryPartial(_data[hash], PreOrderOutboard.FromBytes(tree, hash, _outboards[hash]));
        }
    }

    public void RecordRanges(Hash hash, bool sizeProved, ChunkRanges ranges)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var entry) && entry.State == BlobState.Partial)
                _entries[hash] = entry with { SizeProved = sizeProved, Ranges = ranges };
        }
    }

    public void Promote(Hash hash, BaoTree tree)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var entry) && entry.State == BlobState.Partial)
                _entries[hash] = entry with { State = BlobState.Complete, SizeProved = true, Ranges = FullRanges(entry.Size) };
        }
    }

    public void MarkCorrupt(Hash hash)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var entry))
                _entries[hash] = entry with { State = BlobState.Corrupt };
        }
    }

    public void UpdateExternal(Hash hash, long length, long mtime)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var entry))
                _entries[hash] = entry with { ExternalLength = length, ExternalMtime = mtime };
        }
    }

    public void Delete(Hash hash)
    {
        lock (_lock)
        {
            _entries.Remove(hash);
            _data.Remove(hash);
            _outboards.Remove(hash);
        }
    }

    public bool TryHardLink(Entry entry, string path) => false;

    public void SetTag(TagInfo tag)
    {
        lock (_lock)
            _tags[tag.Name] = tag;
    }

    public bool RemoveTag(string name)
    {
        lock (_lock)
            return _tags.Remove(name);
    }

    public List<TagInfo> ListTags()
    {
        lock (_lock)
            return [.. _tags.Values];
    }

    public void Dispose()
    {
    }

    internal static ChunkRanges FullRanges(ulong size) => ChunkRanges.Range(0, Math.Max(1, ChunkNum.Chunks(size).Value));

    private sealed class MemoryPartial(byte[] data, PreOrderOutboard outboard) : IPartialStorage
    {
        public bool WriteLeaf(ulong offset, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(data.AsSpan((int)offset));
            return true;
        }

        public System.Buffers.IMemoryOwner<byte> RentLeafStorage(int minimumBytes) => System.Buffers.MemoryPool<byte>.Shared.Rent(minimumBytes);

        public bool WriteLeaf(ulong offset, ReadOnlyMemory<byte> bytes, System.Buffers.IMemoryOwner<byte> storage) => WriteLeaf(offset, bytes.Span);

        public void WritePair(TreeNode node, in HashPair pair) => outboard.Save(node, pair);

        public void Sync()
        {
        }

        public void Dispose()
        {
        }
    }
}
