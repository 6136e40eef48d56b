namespace IrohActors.Collections.Format;

/// <summary>
/// Decodes an index page (<c>varint entry count</c>, then the entries) and checks everything that can be checked
/// inside one page: sorted unique names, increasing link indexes and offsets, children that tile a contiguous
/// range of the level below and stay inside it.
/// </summary>
internal static class IndexPage
{
    /// <summary>Parses the page at absolute offset <paramref name="at"/>.</summary>
    /// <param name="page">The page bytes.</param>
    /// <param name="at">Absolute offset of the page, for error messages.</param>
    /// <param name="childrenAreBlocks">True on level 1, whose children are link blocks.</param>
    /// <param name="childRegionLength">Length of the region the children lie in.</param>
    /// <param name="linkCount">Number of links in the collection.</param>
    /// <param name="linksLength">Length of the link list.</param>
    public static IndexEntry[] Parse(ReadOnlySpan<byte> page, long at, bool childrenAreBlocks, long childRegionLength, long linkCount, long linksLength)
    {
        int maxChildLength = childrenAreBlocks ? CollectionLayout.MaxBlockLength : CollectionLayout.MaxPageLength;
        int pos = 0;
        ulong count = ReadVarint(page, ref pos, at, "entry count");
        // An entry is at least 5 bytes (a length and four varints), which bounds the allocation.
        if (count == 0 || count > (ulong)(page.Length / 5))
            throw new CollectionFormatException($"index page with {count} entries in {page.Length} bytes", at);
        var entries = new IndexEntry[count];
        for (int i = 0; i < entries.Length; i++)
        {
            long entryAt = at + pos;
            ulong nameLength = ReadVarint(page, ref pos, at, "name length");
            if (nameLength > CollectionLayout.MaxNameLength)
                throw new CollectionFormatException($"index name of {nameLength} bytes, at most {CollectionLayout.MaxNameLength} allowed", entryAt);
            if ((ulong)(page.Length - pos) < nameLength)
                throw new CollectionFormatException("index entry runs past the end of its page", entryAt);
            var name = page.Slice(pos, (int)nameLength).ToArray();
            pos += (int)nameLength;
            long firstIndex = (long)ReadVarint(page, ref pos, at, "first link index");
            long firstLinkOffset = (long)ReadVarint(page, ref pos, at, "first link offset");
            long childOffset = (long)ReadVarint(page, ref pos, at, "child offset");
            long childLength = (long)ReadVarint(page, ref pos, at, "child length");

            if (firstIndex >= linkCount)
                throw new CollectionFormatException($"index entry names link {firstIndex} of a collection with {linkCount} links", entryAt);
            if (firstLinkOffset >= linksLength)
                throw new CollectionFormatException($"index entry link offset {firstLinkOffset} outside the link list of {linksLength} bytes", entryAt);
            if (childLength == 0 || childLength > maxChildLength)
                throw new CollectionFormatException($"index entry child length {childLength}, must be 1..{maxChildLength}", entryAt);
            if (childOffset > childRegionLength - childLength)
                throw new CollectionFormatException(
                    $"index entry child [{childOffset}, {childOffset + childLength}) lies outside its region of {childRegionLength} bytes", entryAt);
            if (childrenAreBlocks && childOffset != firstLinkOffset)
                throw new CollectionFormatException($"link block at {childOffset} but its first link at {firstLinkOffset}", entryAt);
            if (i > 0)
            {
                var prev = entries[i - 1];
                if (LinkName.Compare(prev.FirstName.Span, name) >= 0)
                    throw new CollectionFormatException(
                        $"index names out of order: {LinkName.Display(name)} after {LinkName.Display(prev.FirstName.Span)}", entryAt);
                if (firstIndex <= prev.FirstIndex || firstLinkOffset <= prev.FirstLinkOffset)
                    throw new CollectionFormatException(
                        $"index positions out of order: link {firstIndex} at {firstLinkOffset} after link {prev.FirstIndex} at {prev.FirstLinkOffset}", entryAt);
                if (childOffset != prev.ChildOffset + prev.ChildLength)
                    throw new CollectionFormatException(
                        $"index children not contiguous: child at {childOffset}, previous ends at {prev.ChildOffset + prev.ChildLength}", entryAt);
            }
            entries[i] = new IndexEntry(name, firstIndex, firstLinkOffset, childOffset, childLength);
        }
        if (pos != page.Length)
            throw new CollectionFormatException($"{page.Length - pos} stray bytes after the last index entry", at + pos);
        return entries;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> page, ref int pos, long at, string what)
    {
        var status = Varint.TryRead(page[pos..], out ulong value, out int n);
        if (status == VarintStatus.Truncated)
            throw new CollectionFormatException($"index page ends inside the {what}", at + pos);
        if (status != VarintStatus.Ok)
            throw new CollectionFormatException($"index {what}: {Varint.Describe(status)}", at + pos);
        pos += n;
        return value;
    }
}
