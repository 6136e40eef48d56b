using System.Buffers.Binary;

namespace IrohActors.Collections.Format;

/// <summary>
/// The decoded header: link count, where the link list lies, and the index levels from the root page (index 0)
/// down to level 1, whose entries point at link blocks.
/// </summary>
internal sealed class CollectionHeader
{
    public CollectionHeader(long count, long linksOffset, long linksLength, LevelRegion[] levels)
    {
        Count = count;
        LinksOffset = linksOffset;
        LinksLength = linksLength;
        Levels = levels;
    }

    /// <summary>Number of links.</summary>
    public long Count { get; }

    /// <summary>Absolute offset of the first link.</summary>
    public long LinksOffset { get; }

    /// <summary>Length of the link list in bytes.</summary>
    public long LinksLength { get; }

    /// <summary>Index regions, root level first; empty when the collection has no index.</summary>
    public LevelRegion[] Levels { get; }

    /// <summary>Total size of the collection blob.</summary>
    public long BlobSize => LinksOffset + LinksLength;

    /// <summary>Header bytes (fixed part and level table).</summary>
    public int Size => CollectionLayout.HeaderSize(Levels.Length);

    /// <summary>Encodes the header.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[Size];
        CollectionLayout.Magic.CopyTo(bytes);
        bytes[8] = CollectionLayout.Version;
        bytes[9] = (byte)Levels.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), (ulong)Count);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), (ulong)LinksOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), (ulong)LinksLength);
        for (int i = 0; i < Levels.Length; i++)
        {
            var row = bytes.AsSpan(CollectionLayout.FixedHeaderSize + i * CollectionLayout.LevelDescriptorSize);
            BinaryPrimitives.WriteUInt64LittleEndian(row, (ulong)Levels[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(row[8..], (ulong)Levels[i].Length);
        }
        return bytes;
    }

    /// <summary>Level count from the fixed part, after checking magic, version and reserved bytes.</summary>
    public static int ParseLevelCount(ReadOnlySpan<byte> fixedPart, long blobSize)
    {
        if (blobSize < CollectionLayout.FixedHeaderSize || fixedPart.Length < CollectionLayout.FixedHeaderSize)
            throw new CollectionFormatException(
                $"truncated header: a collection is at least {CollectionLayout.FixedHeaderSize} bytes, this blob is {blobSize}", blobSize);
        if (!fixedPart[..8].SequenceEqual(CollectionLayout.Magic))
            throw new CollectionFormatException($"bad magic {Convert.ToHexStringLower(fixedPart[..8])}, expected \"IrohColl\"", 0);
        if (fixedPart[8] != CollectionLayout.Version)
            throw new CollectionFormatException($"unsupported collection version {fixedPart[8]}, expected {CollectionLayout.Version}", 8);
        int levels = fixedPart[9];
        if (levels > CollectionLayout.MaxLevels)
            throw new CollectionFormatException($"{levels} index levels, at most {CollectionLayout.MaxLevels} allowed", 9);
        for (int i = 10; i < 16; i++)
            if (fixedPart[i] != 0)
                throw new CollectionFormatException($"reserved header byte is 0x{fixedPart[i]:x2}, must be 0", i);
        return levels;
    }

    /// <summary>Decodes and validates the whole header against the blob size.</summary>
    public static CollectionHeader Parse(ReadOnlySpan<byte> header, long blobSize)
    {
        int levelCount = ParseLevelCount(header, blobSize);
        int size = CollectionLayout.HeaderSize(levelCount);
        if (blobSize < size || header.Length < size)
            throw new CollectionFormatException($"truncated header: {levelCount} index levels need {size} header bytes, the blob has {blobSize}", blobSize);

        long count = ReadLength(header, 16, "link count");
        long linksOffset = ReadLength(header, 24, "link list offset");
        long linksLength = ReadLength(header, 32, "link list length");
        var levels = new LevelRegion[levelCount];
        long expected = size;
        for (int i = 0; i < levelCount; i++)
        {
            int at = CollectionLayout.FixedHeaderSize + i * CollectionLayout.LevelDescriptorSize;
            long offset = ReadLength(header, at, $"offset of index level {levelCount - i}");
            long length = ReadLength(header, at + 8, $"length of index level {levelCount - i}");
            if (offset != expected)
                throw new CollectionFormatException($"index level {levelCount - i} starts at {offset}, expected {expected} (levels must follow each other)", at);
            if (length == 0 || length > blobSize - offset)
                throw new CollectionFormatException($"index level {levelCount - i} has length {length}, outside the blob of {blobSize} bytes", at + 8);
            levels[i] = new LevelRegion(offset, length);
            expected = offset + length;
        }
        if (levelCount > 0 && levels[0].Length > CollectionLayout.MaxPageLength)
            throw new CollectionFormatException($"root index page is {levels[0].Length} bytes, at most {CollectionLayout.MaxPageLength} allowed", CollectionLayout.FixedHeaderSize + 8);
        if (linksOffset != expected)
            throw new CollectionFormatException($"link list starts at {linksOffset}, expected {expected} (right after the index)", 24);
        if (linksLength != blobSize - linksOffset)
            throw new CollectionFormatException(
                linksLength > blobSize - linksOffset
                    ? $"truncated: link list of {linksLength} bytes at {linksOffset} does not fit the blob of {blobSize} bytes"
                    : $"{blobSize - linksOffset - linksLength} trailing bytes after the link list",
                Math.Min(linksOffset + linksLength, blobSize));
        if (count > linksLength / CollectionLayout.MinLinkSize || (count == 0) != (linksLength == 0))
            throw new CollectionFormatException($"link count {count} does not fit a link list of {linksLength} bytes", 16);
        if (levelCount > 0 && count < 2)
            throw new CollectionFormatException($"an index over {count} links", 9);
        return new CollectionHeader(count, linksOffset, linksLength, levels);
    }

    private static long ReadLength(ReadOnlySpan<byte> header, int at, string what)
    {
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(header[at..]);
        if (value > long.MaxValue)
            throw new CollectionFormatException($"{what} {value} exceeds 2^63-1", at);
        return (long)value;
    }
}
