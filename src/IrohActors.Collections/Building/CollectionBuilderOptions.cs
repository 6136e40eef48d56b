namespace IrohActors.Collections;

/// <summary>Settings of a <see cref="CollectionBuilder"/>.</summary>
public sealed class CollectionBuilderOptions
{
    /// <summary>The default memory budget: 64 MiB of buffered links.</summary>
    public const long DefaultMemoryBudget = 64L << 20;

    /// <summary>
    /// Approximate bytes of links held in memory before a sorted run is spilled to a temporary file
    /// (name bytes + hash + ~64 bytes bookkeeping per link). Must be positive.
    /// </summary>
    public long MemoryBudget { get; init; } = DefaultMemoryBudget;

    /// <summary>Where spilled runs and index spools go; the system temp folder when null.</summary>
    public string? TempDirectory { get; init; }
}
