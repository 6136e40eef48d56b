using IrohActors.Blake3;

namespace IrohActors.Collections;

/// <summary>What a built collection is: its BLAKE3 hash (its identity), its size in bytes and its link count.</summary>
/// <param name="Hash">BLAKE3 of the collection bytes.</param>
/// <param name="Size">Length of the collection blob.</param>
/// <param name="Count">Number of links.</param>
public readonly record struct CollectionInfo(Hash Hash, long Size, long Count)
{
    /// <summary>The collection's CID (codec <see cref="CidCodec.Collection"/>).</summary>
    public Cid Cid => new(CidCodec.Collection, Hash);
}
