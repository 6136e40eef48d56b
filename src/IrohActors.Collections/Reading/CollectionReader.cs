using System.Runtime.CompilerServices;
using System.Text;
using IrohActors.Blake3;
using IrohActors.Collections.Format;
using IrohActors.Collections.Reading;

namespace IrohActors.Collections;

/// <summary>
/// Queries a collection blob through an <see cref="IBlobReader"/>, reading only the header, the index pages on
/// one root-to-leaf path and the link ranges a query touches. Everything read is validated; malformed bytes
/// raise <see cref="CollectionFormatException"/> with the byte offset.
/// </summary>
public sealed class CollectionReader
{
    /// <summary>Size of the reads a prefix query makes once it has passed its first block.</summary>
    private const int FollowingReadSize = 4 * CollectionLayout.BlockTarget;

    private readonly IBlobReader _blob;
    private readonly CollectionHeader _header;
    private readonly IndexEntry[] _root;

    private CollectionReader(IBlobReader blob, CollectionHeader header, IndexEntry[] root)
    {
        _blob = blob;
        _header = header;
        _root = root;
    }

    /// <summary>Number of links.</summary>
    public long Count => _header.Count;

    /// <summary>Size of the collection blob in bytes.</summary>
    public long Size => _header.BlobSize;

    /// <summary>Number of index levels (0 for a collection that fits one link block).</summary>
    public int IndexLevels => _header.Levels.Length;

    /// <summary>Absolute byte offset of the first link.</summary>
    public long LinksOffset => _header.LinksOffset;

    /// <summary>Reads and checks the header and the root index page.</summary>
    /// <exception cref="CollectionFormatException">The blob is not a valid collection.</exception>
    public static async ValueTask<CollectionReader> OpenAsync(IBlobReader blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        int headerRead = (int)Math.Min(blob.Size, CollectionLayout.HeaderSize(CollectionLayout.MaxLevels));
        var headerBytes = await ReadExactAsync(blob, 0, headerRead, cancellationToken).ConfigureAwait(false);
        var header = CollectionHeader.Parse(headerBytes, blob.Size);
        if (header.Levels.Length == 0)
            return new CollectionReader(blob, header, []);

        var rootRegion = header.Levels[0];
        var rootBytes = await ReadExactAsync(blob, rootRegion.Offset, (int)rootRegion.Length, cancellationToken).ConfigureAwait(false);
        bool blocksBelow = header.Levels.Length == 1;
        long childRegion = blocksBelow ? header.LinksLength : header.Levels[1].Length;
        var root = IndexPage.Parse(rootBytes, rootRegion.Offset, blocksBelow, childRegion, header.Count, header.LinksLength);
        if (root.Length < 2)
            throw new CollectionFormatException("the root index page has a single entry (it should have been the root)", rootRegion.Offset);
        if (root[0].FirstIndex != 0 || root[0].FirstLinkOffset != 0 || root[0].ChildOffset != 0)
            throw new CollectionFormatException("the root index page does not start at the first link", rootRegion.Offset);
        var last = root[^1];
        if (last.ChildOffset + last.ChildLength != childRegion)
            throw new CollectionFormatException(
                $"the root index page covers {last.ChildOffset + last.ChildLength} of the {childRegion} bytes below it", rootRegion.Offset);
        return new CollectionReader(blob, header, root);
    }

    /// <summary>The hash linked under <paramref name="name"/>, or null when there is no such link.</summary>
    public async ValueTask<Hash?> GetAsync(ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        var found = await FindAsync(name, cancellationToken).ConfigureAwait(false);
        return found?.Link.Hash;
    }

    /// <summary>The hash linked under the UTF-8 encoding of <paramref name="name"/>, or null.</summary>
    public ValueTask<Hash?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync(Encoding.UTF8.GetBytes(name), cancellationToken);

    /// <summary>The link named <paramref name="name"/> with its index and offset, or null.</summary>
    public async ValueTask<PositionedLink?> FindAsync(ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        var block = await DescendAsync(entries => LastAtOrBelow(entries, name.Span), cancellationToken).ConfigureAwait(false);
        if (block is not { } b)
            return null;
        var cursor = new LinkCursor(_blob, _header, b, b.End, FollowingReadSize);
        while (await cursor.NextAsync(cancellationToken).ConfigureAwait(false) is { } link)
        {
            int c = LinkName.Compare(link.Link.Name.Span, name.Span);
            if (c == 0)
                return link;
            if (c > 0)
                break;
        }
        return null;
    }

    /// <summary>
    /// The links whose names start with <paramref name="prefix"/>, in name order, read lazily as the sequence is
    /// consumed (an empty prefix lists the whole collection).
    /// </summary>
    public async IAsyncEnumerable<Link> PrefixAsync(ReadOnlyMemory<byte> prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var link in PrefixWithPositionsAsync(prefix, cancellationToken).ConfigureAwait(false))
            yield return link.Link;
    }

    /// <summary>The links whose names start with the UTF-8 encoding of <paramref name="prefix"/>.</summary>
    public IAsyncEnumerable<Link> PrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        PrefixAsync(Encoding.UTF8.GetBytes(prefix), cancellationToken);

    /// <summary>All links in name order, read lazily.</summary>
    public IAsyncEnumerable<Link> EnumerateAsync(CancellationToken cancellationToken = default) =>
        PrefixAsync(ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>Like <see cref="PrefixAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, with each link's index and offset.</summary>
    public async IAsyncEnumerable<PositionedLink> PrefixWithPositionsAsync(ReadOnlyMemory<byte> prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var block = await DescendAsync(entries => LastAtOrBelow(entries, prefix.Span), cancellationToken).ConfigureAwait(false);
        if (block is not { } b)
            yield break;
        var cursor = new LinkCursor(_blob, _header, b, _header.LinksLength, FollowingReadSize);
        while (await cursor.NextAsync(cancellationToken).ConfigureAwait(false) is { } link)
        {
            var name = link.Link.Name.Span;
            if (name.StartsWith(prefix.Span))
                yield return link;
            else if (LinkName.Compare(name, prefix.Span) > 0)
                yield break;
        }
    }

    /// <summary>The link at position <paramref name="index"/> in name order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not in 0..Count-1.</exception>
    public async ValueTask<PositionedLink> GetAtAsync(long index, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var b = (await DescendAsync(entries => LastWhere(entries, e => e.FirstIndex <= index), cancellationToken).ConfigureAwait(false))!.Value;
        var cursor = new LinkCursor(_blob, _header, b, b.End, FollowingReadSize);
        while (await cursor.NextAsync(cancellationToken).ConfigureAwait(false) is { } link)
            if (link.Index == index)
                return link;
        throw new CollectionFormatException($"link {index} is not in the block the index points to", _header.LinksOffset + b.Offset);
    }

    /// <summary>The link that starts at absolute byte offset <paramref name="offset"/> of the blob.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset is outside the link list.</exception>
    /// <exception cref="ArgumentException">No link starts at that offset.</exception>
    public async ValueTask<PositionedLink> GetAtOffsetAsync(long offset, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, _header.LinksOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, _header.BlobSize);
        long relative = offset - _header.LinksOffset;
        var b = (await DescendAsync(entries => LastWhere(entries, e => e.FirstLinkOffset <= relative), cancellationToken).ConfigureAwait(false))!.Value;
        var cursor = new LinkCursor(_blob, _header, b, b.End, FollowingReadSize);
        while (await cursor.NextAsync(cancellationToken).ConfigureAwait(false) is { } link)
        {
            if (link.Offset == offset)
                return link;
            if (link.Offset > offset)
                break;
        }
        throw new ArgumentException($"no link starts at byte offset {offset} of the collection", nameof(offset));
    }

    /// <summary>Walks from the root to a link block, reading and checking one page per level.</summary>
    private async ValueTask<LinkBlock?> DescendAsync(Func<IndexEntry[], int> choose, CancellationToken cancellationToken)
    {
        if (_header.Count == 0)
            return null;
        var levels = _header.Levels;
        if (levels.Length == 0)
            return new LinkBlock(0, _header.LinksLength, 0, _header.Count, null);

        var entries = _root;
        long endIndex = _header.Count;
        long endLinkOffset = _header.LinksLength;
        for (int level = 0; ; level++)
        {
            int i = choose(entries);
            var e = entries[i];
            if (i + 1 < entries.Length)
            {
                endIndex = entries[i + 1].FirstIndex;
                endLinkOffset = entries[i + 1].FirstLinkOffset;
            }
            if (level == levels.Length - 1)
            {
                if (e.ChildOffset + e.ChildLength != endLinkOffset)
                    throw new CollectionFormatException(
                        $"link block [{e.ChildOffset}, {e.ChildOffset + e.ChildLength}) does not end where the next starts ({endLinkOffset})",
                        levels[level].Offset);
                return new LinkBlock(e.ChildOffset, e.ChildLength, e.FirstIndex, endIndex, e.FirstName);
            }

            long at = levels[level + 1].Offset + e.ChildOffset;
            var page = await ReadExactAsync(_blob, at, (int)e.ChildLength, cancellationToken).ConfigureAwait(false);
            bool blocksBelow = level + 2 == levels.Length;
            long childRegion = blocksBelow ? _header.LinksLength : levels[level + 2].Length;
            var child = IndexPage.Parse(page, at, blocksBelow, childRegion, _header.Count, _header.LinksLength);
            var first = child[0];
            if (!first.FirstName.Span.SequenceEqual(e.FirstName.Span) || first.FirstIndex != e.FirstIndex || first.FirstLinkOffset != e.FirstLinkOffset)
                throw new CollectionFormatException(
                    $"index page starts at link {first.FirstIndex} {LinkName.Display(first.FirstName.Span)}, its parent entry says link {e.FirstIndex} {LinkName.Display(e.FirstName.Span)}", at);
            if (child[^1].FirstIndex >= endIndex)
                throw new CollectionFormatException($"index page reaches link {child[^1].FirstIndex}, past its parent's end at link {endIndex}", at);
            entries = child;
        }
    }

    /// <summary>The last entry whose first name is at or below <paramref name="key"/>, or 0 when all are above.</summary>
    private static int LastAtOrBelow(IndexEntry[] entries, ReadOnlySpan<byte> key)
    {
        int lo = 0, hi = entries.Length - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (LinkName.Compare(entries[mid].FirstName.Span, key) <= 0)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    /// <summary>The last entry satisfying a predicate that is monotone (true then false) over the entries.</summary>
    private static int LastWhere(IndexEntry[] entries, Func<IndexEntry, bool> atOrBelow)
    {
        int lo = 0, hi = entries.Length - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (atOrBelow(entries[mid]))
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    private static async ValueTask<byte[]> ReadExactAsync(IBlobReader blob, long offset, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        int got = 0;
        while (got < length)
        {
            int n = await blob.ReadAtAsync(offset + got, buffer.AsMemory(got), cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new CollectionFormatException($"blob ended early: expected {length} bytes at {offset}", offset + got);
            got += n;
        }
        return buffer;
    }
}
