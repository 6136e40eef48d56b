using System.Buffers;
using IrohActors.Collections.Format;

namespace IrohActors.Collections.Building;

/// <summary>
/// Builds one index level: packs the entries it receives into pages (closed once they hold at least
/// <see cref="CollectionLayout.PageTarget"/> bytes of entries and two entries), writes each page to a spool and
/// passes one entry per page up to the next level. The next level is created only when a second page appears,
/// so the level with a single page is the root.
/// </summary>
internal sealed class IndexLevelWriter : IDisposable
{
    private readonly Func<Stream> _newSpool;
    private readonly List<IndexEntry> _page = [];
    private int _pageBytes;
    private IndexEntry? _firstPage;
    private IndexLevelWriter? _parent;

    public IndexLevelWriter(Func<Stream> newSpool)
    {
        _newSpool = newSpool;
        Spool = newSpool();
    }

    /// <summary>The pages written so far.</summary>
    public Stream Spool { get; }

    /// <summary>Bytes written to <see cref="Spool"/>.</summary>
    public long Length { get; private set; }

    public void Add(IndexEntry entry)
    {
        _page.Add(entry);
        _pageBytes += entry.EncodedSize;
        if (_pageBytes >= CollectionLayout.PageTarget && _page.Count >= 2)
            ClosePage();
    }

    /// <summary>Flushes the last page of this level and all above; returns the levels from this one up to the root.</summary>
    public List<IndexLevelWriter> Finish()
    {
        if (_page.Count > 0)
            ClosePage();
        var levels = _parent?.Finish() ?? [];
        levels.Insert(0, this);
        return levels;
    }

    private void ClosePage()
    {
        int size = Varint.SizeOf((ulong)_page.Count) + _pageBytes;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            int n = Varint.Write(buffer, (ulong)_page.Count);
            foreach (var entry in _page)
                n += entry.Encode(buffer.AsSpan(n));
            Spool.Write(buffer, 0, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var up = new IndexEntry(_page[0].FirstName, _page[0].FirstIndex, _page[0].FirstLinkOffset, Length, size);
        Length += size;
        _page.Clear();
        _pageBytes = 0;

        if (_firstPage is null && _parent is null)
        {
            _firstPage = up;
            return;
        }
        if (_parent is null)
        {
            _parent = new IndexLevelWriter(_newSpool);
            _parent.Add(_firstPage!.Value);
        }
        _parent.Add(up);
    }

    public void Dispose()
    {
        Spool.Dispose();
        _parent?.Dispose();
    }
}
