namespace IrohActors.Collections.Format;

/// <summary>
/// One index entry: the first name, the index and the link-list offset of the first link under a child (a lower
/// page or a link block), and where that child lies, relative to the start of its level's region (for a link
/// block, of the link list, so there <see cref="ChildOffset"/> equals <see cref="FirstLinkOffset"/>).
/// </summary>
internal readonly record struct IndexEntry(ReadOnlyMemory<byte> FirstName, long FirstIndex, long FirstLinkOffset, long ChildOffset, long ChildLength)
{
    /// <summary>Encoded size of this entry.</summary>
    public int EncodedSize =>
        Varint.SizeOf((ulong)FirstName.Length) + FirstName.Length + Varint.SizeOf((ulong)FirstIndex)
        + Varint.SizeOf((ulong)FirstLinkOffset) + Varint.SizeOf((ulong)ChildOffset) + Varint.SizeOf((ulong)ChildLength);

    /// <summary>Writes the entry and returns its length.</summary>
    public int Encode(Span<byte> destination)
    {
        int n = Varint.Write(destination, (ulong)FirstName.Length);
        FirstName.Span.CopyTo(destination[n..]);
        n += FirstName.Length;
        n += Varint.Write(destination[n..], (ulong)FirstIndex);
        n += Varint.Write(destination[n..], (ulong)FirstLinkOffset);
        n += Varint.Write(destination[n..], (ulong)ChildOffset);
        n += Varint.Write(destination[n..], (ulong)ChildLength);
        return n;
    }
}
