namespace IrohActors.Bao;

/// <summary>
/// The chunk-group size as a chunk log: groups of 2^<see cref="ChunkLog"/> chunks
/// (0 = 1 KiB, no groups, bao-compatible; 4 = 16 KiB, iroh's default).
/// </summary>
public readonly record struct BlockSize
{
    /// <summary>The largest chunk log supported (64 MiB groups).</summary>
    public const int MaxChunkLog = 16;

    private BlockSize(byte chunkLog) => ChunkLog = chunkLog;

    /// <summary>log2 of the number of chunks in a group.</summary>
    public byte ChunkLog { get; }

    /// <summary>1 KiB groups: plain bao, no chunk groups.</summary>
    public static BlockSize Zero => default;

    /// <summary>16 KiB groups, the default used by iroh.</summary>
    public static BlockSize Default => new(4);

    /// <summary>Bytes in one chunk group.</summary>
    public ulong Bytes => (ulong)ChunkNum.ChunkLen << ChunkLog;

    /// <summary>Chunks in one chunk group.</summary>
    public ulong Chunks => 1UL << ChunkLog;

    /// <summary>Groups of 2^<paramref name="chunkLog"/> chunks.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk log is outside 0…16.</exception>
    public static BlockSize FromChunkLog(int chunkLog)
    {
        if (chunkLog is < 0 or > MaxChunkLog)
            throw new ArgumentOutOfRangeException(nameof(chunkLog), chunkLog, $"chunk log must be 0…{MaxChunkLog}");
        return new BlockSize((byte)chunkLog);
    }

    /// <summary>Groups of <paramref name="bytes"/> bytes, a power of two of at least 1024.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a power of two in 1 KiB…64 MiB.</exception>
    public static BlockSize FromBytes(ulong bytes)
    {
        if (bytes < ChunkNum.ChunkLen || !ulong.IsPow2(bytes))
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "group size must be a power of two ≥ 1024");
        return FromChunkLog(System.Numerics.BitOperations.Log2(bytes) - 10);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Bytes / 1024} KiB (chunk log {ChunkLog})";
}
