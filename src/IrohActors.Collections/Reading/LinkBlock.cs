namespace IrohActors.Collections.Reading;

/// <summary>
/// A run of links the index points at: its offset and length in the link list, the index of its first link and
/// the index one past its last (known from the next entry), and its first name when the index names it.
/// </summary>
internal readonly record struct LinkBlock(long Offset, long Length, long FirstIndex, long EndIndex, ReadOnlyMemory<byte>? FirstName)
{
    public long End => Offset + Length;
}
