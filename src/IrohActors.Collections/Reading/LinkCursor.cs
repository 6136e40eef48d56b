using IrohActors.Collections.Format;

namespace IrohActors.Collections.Reading;

/// <summary>
/// Reads links one after another from a range of the link list, in reads of a given size, and checks as it goes:
/// each link decodes and fits, names strictly increase, the first link is the one the index promised, and the
/// number of links in the first block and in the whole list agree with the index and the header.
/// </summary>
internal sealed class LinkCursor
{
    private readonly IBlobReader _blob;
    private readonly long _base;
    private readonly long _end;
    private readonly LinkBlock _block;
    private readonly long _linksLength;
    private readonly long _count;
    private readonly int _followingReadSize;
    private byte[] _buffer;
    private int _start;
    private int _filled;
    private long _bufferPos; // link-list offset of _buffer[0]
    private int _nextRead;
    private ReadOnlyMemory<byte>? _previous;

    /// <param name="blob">The collection blob.</param>
    /// <param name="header">Its header.</param>
    /// <param name="block">Where to start; its first name and index bounds are checked.</param>
    /// <param name="end">Link-list offset to stop at (the block's end, or the end of the list).</param>
    /// <param name="followingReadSize">Size of each read after the first (which reads the whole block).</param>
    public LinkCursor(IBlobReader blob, CollectionHeader header, LinkBlock block, long end, int followingReadSize)
    {
        _blob = blob;
        _base = header.LinksOffset;
        _linksLength = header.LinksLength;
        _count = header.Count;
        _block = block;
        _end = end;
        _followingReadSize = followingReadSize;
        Position = block.Offset;
        Index = block.FirstIndex;
        _bufferPos = block.Offset;
        _nextRead = (int)Math.Min(block.Length, CollectionLayout.MaxBlockLength);
        _buffer = new byte[Math.Max(_nextRead, followingReadSize) + CollectionLayout.MaxLinkSize];
    }

    /// <summary>Link-list offset of the next link.</summary>
    public long Position { get; private set; }

    /// <summary>Index of the next link.</summary>
    public long Index { get; private set; }

    /// <summary>The next link, or null at the end of the range.</summary>
    public async ValueTask<PositionedLink?> NextAsync(CancellationToken cancellationToken)
    {
        if (Position >= _end)
            return null;
        while (true)
        {
            long at = _base + Position;
            if (LinkCodec.TryDecode(_buffer.AsSpan(_start, _filled - _start), at, out var link, out int consumed))
            {
                if (Position + consumed > _end)
                    throw new CollectionFormatException($"link at {at} crosses the end of its block at {_base + _end}", at);
                Check(link, at);
                var result = new PositionedLink(Index, at, link);
                _start += consumed;
                Position += consumed;
                Index++;
                CheckBoundaries(at);
                return result;
            }
            if (_bufferPos + _filled >= _end)
                throw new CollectionFormatException($"truncated link at {at}: it runs past the end at {_base + _end}", at);
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Check(Link link, long at)
    {
        if (_previous is { } previous)
        {
            if (LinkName.Compare(previous.Span, link.Name.Span) >= 0)
                throw new CollectionFormatException(
                    $"link names out of order: {LinkName.Display(link.Name.Span)} after {LinkName.Display(previous.Span)}", at);
        }
        else if (_block.FirstName is { } expected && !expected.Span.SequenceEqual(link.Name.Span))
        {
            throw new CollectionFormatException(
                $"link block starts with {LinkName.Display(link.Name.Span)} but the index says {LinkName.Display(expected.Span)}", at);
        }
        if (Index >= _count)
            throw new CollectionFormatException($"more links than the header's count of {_count}", at);
        _previous = link.Name;
    }

    private void CheckBoundaries(long at)
    {
        if (Position == _block.End && Index != _block.EndIndex)
            throw new CollectionFormatException(
                $"link block ending at {_base + _block.End} holds links up to {Index}, the index says up to {_block.EndIndex}", at);
        if (Position == _linksLength && Index != _count)
            throw new CollectionFormatException($"the link list holds {Index} links, the header says {_count}", at);
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        int unread = _filled - _start;
        Array.Copy(_buffer, _start, _buffer, 0, unread);
        _bufferPos += _start;
        _start = 0;
        _filled = unread;
        long readFrom = _bufferPos + _filled;
        int want = (int)Math.Min(Math.Max(_nextRead, CollectionLayout.MaxLinkSize), _end - readFrom);
        _nextRead = _followingReadSize;
        if (_buffer.Length < _filled + want)
            Array.Resize(ref _buffer, _filled + want);
        int got = 0;
        while (got < want)
        {
            int n = await _blob.ReadAtAsync(_base + readFrom + got, _buffer.AsMemory(_filled + got, want - got), cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new CollectionFormatException($"blob ended early: expected {want} bytes at {_base + readFrom}", _base + readFrom + got);
            got += n;
        }
        _filled += got;
    }
}
