namespace IrohActors.Bao;

/// <summary>A count or index of 1024-byte BLAKE3 chunks.</summary>
public readonly record struct ChunkNum(ulong Value) : IComparable<ChunkNum>
{
    /// <summary>The BLAKE3 chunk length in bytes.</summary>
    public const int ChunkLen = 1024;

    /// <summary>The number of chunks needed to hold <paramref name="size"/> bytes (rounded up).</summary>
    public static ChunkNum Chunks(ulong size) => new((size >> 10) + ((size & 1023) != 0 ? 1UL : 0UL));

    /// <summary>The number of whole chunks in <paramref name="size"/> bytes (rounded down).</summary>
    public static ChunkNum FullChunks(ulong size) => new(size >> 10);

    /// <summary>The byte offset where this chunk starts.</summary>
    public ulong ToBytes() => Value << 10;

    /// <inheritdoc />
    public int CompareTo(ChunkNum other) => Value.CompareTo(other.Value);

    /// <summary>Orders chunk numbers.</summary>
    public static bool operator <(ChunkNum a, ChunkNum b) => a.Value < b.Value;

    /// <summary>Orders chunk numbers.</summary>
    public static bool operator >(ChunkNum a, ChunkNum b) => a.Value > b.Value;

    /// <summary>Orders chunk numbers.</summary>
    public static bool operator <=(ChunkNum a, ChunkNum b) => a.Value <= b.Value;

    /// <summary>Orders chunk numbers.</summary>
    public static bool operator >=(ChunkNum a, ChunkNum b) => a.Value >= b.Value;

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
