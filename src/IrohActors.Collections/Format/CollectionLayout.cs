namespace IrohActors.Collections.Format;

/// <summary>
/// The constants of collection format version 1 (docs/collections.md). The partition targets are part of the
/// format: with them fixed, the same set of links always gives the same bytes and so the same hash.
/// </summary>
internal static class CollectionLayout
{
    /// <summary>The first 8 bytes of every collection: ASCII <c>IrohColl</c>.</summary>
    public static ReadOnlySpan<byte> Magic => "IrohColl"u8;

    /// <summary>The only version this code reads and writes.</summary>
    public const byte Version = 1;

    /// <summary>Magic, version, level count, reserved, count, link-list offset and length.</summary>
    public const int FixedHeaderSize = 40;

    /// <summary>One level-table row: region offset and length, both u64 little-endian.</summary>
    public const int LevelDescriptorSize = 16;

    /// <summary>More levels than this would index more links than a 63-bit offset can address.</summary>
    public const int MaxLevels = 8;

    /// <summary>Longest link name, in bytes (PATH_MAX on Linux); bounds every read a lookup makes.</summary>
    public const int MaxNameLength = 4096;

    /// <summary>A link ends with a 32-byte BLAKE3 hash.</summary>
    public const int HashSize = 32;

    /// <summary>A link block (level 0) is closed once it holds at least this many bytes.</summary>
    public const int BlockTarget = 4096;

    /// <summary>An index page is closed once its entries hold at least this many bytes and it has two entries.</summary>
    public const int PageTarget = 4096;

    /// <summary>Smallest encoded link: a 1-byte length, an empty name and the hash.</summary>
    public const int MinLinkSize = 1 + HashSize;

    /// <summary>Largest encoded link.</summary>
    public static readonly int MaxLinkSize = Varint.SizeOf(MaxNameLength) + MaxNameLength + HashSize;

    /// <summary>Largest index entry: name length, name, first index, first link offset, child offset, child length.</summary>
    public static readonly int MaxEntrySize = Varint.SizeOf(MaxNameLength) + MaxNameLength + 4 * Varint.MaxLength;

    /// <summary>No valid block is longer: it was below the target before its last link.</summary>
    public static readonly int MaxBlockLength = BlockTarget - 1 + MaxLinkSize;

    /// <summary>No valid page is longer: the count varint plus at most target−1 bytes or one entry, plus one entry.</summary>
    public static readonly int MaxPageLength = Varint.MaxLength + Math.Max(PageTarget - 1, MaxEntrySize) + MaxEntrySize;

    /// <summary>Size of the header including its level table.</summary>
    public static int HeaderSize(int levels) => FixedHeaderSize + levels * LevelDescriptorSize;
}
