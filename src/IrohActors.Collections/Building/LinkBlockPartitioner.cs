using IrohActors.Collections.Format;

namespace IrohActors.Collections.Building;

/// <summary>
/// Pass one of writing: walks the sorted links, cuts the link list into blocks (closed once they hold at least
/// <see cref="CollectionLayout.BlockTarget"/> bytes) and feeds one entry per block to the level-1 index writer,
/// created only when a second block appears (a one-block collection has no index).
/// </summary>
internal sealed class LinkBlockPartitioner : IDisposable
{
    private readonly Func<Stream> _newSpool;
    private IndexEntry? _firstBlock;
    private IndexLevelWriter? _level1;
    private ReadOnlyMemory<byte> _blockName;
    private long _blockIndex;
    private long _blockOffset;
    private long _blockLength;

    public LinkBlockPartitioner(Func<Stream> newSpool) => _newSpool = newSpool;

    /// <summary>Links seen.</summary>
    public long Count { get; private set; }

    /// <summary>Length of the link list.</summary>
    public long Length { get; private set; }

    public void Add(Link link)
    {
        if (link.Name.Length > CollectionLayout.MaxNameLength)
            throw new CollectionBuildException(
                $"link name {LinkName.Display(link.Name.Span)} is {link.Name.Length} bytes, at most {CollectionLayout.MaxNameLength} allowed");
        int size = LinkCodec.EncodedSize(link.Name.Length);
        if (_blockLength == 0)
        {
            _blockName = link.Name;
            _blockIndex = Count;
            _blockOffset = Length;
        }
        _blockLength += size;
        Length += size;
        Count++;
        if (_blockLength >= CollectionLayout.BlockTarget)
            CloseBlock();
    }

    /// <summary>Index levels from the root down to level 1; empty when the links fit one block.</summary>
    public List<IndexLevelWriter> Finish()
    {
        if (_blockLength > 0)
            CloseBlock();
        var levels = _level1?.Finish() ?? [];
        levels.Reverse();
        return levels;
    }

    private void CloseBlock()
    {
        var entry = new IndexEntry(_blockName, _blockIndex, _blockOffset, _blockOffset, _blockLength);
        _blockLength = 0;
        if (_firstBlock is null && _level1 is null)
        {
            _firstBlock = entry;
            return;
        }
        if (_level1 is null)
        {
            _level1 = new IndexLevelWriter(_newSpool);
            _level1.Add(_firstBlock!.Value);
        }
        _level1.Add(entry);
    }

    public void Dispose() => _level1?.Dispose();
}
