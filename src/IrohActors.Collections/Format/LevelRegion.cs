namespace IrohActors.Collections.Format;

/// <summary>Where one index level's pages lie in the collection blob (absolute offset, length in bytes).</summary>
internal readonly record struct LevelRegion(long Offset, long Length)
{
    /// <summary>First byte after the region.</summary>
    public long End => Offset + Length;
}
