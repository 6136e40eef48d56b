namespace IrohActors.Bao;

/// <summary>
/// One verified item of a range stream: a parent (node + 64-byte pair) or a leaf (blob offset + data).
/// <see cref="Bytes"/> is only valid until the producer moves on.
/// </summary>
public readonly record struct EncodedItem(BaoChunk Chunk, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>True for a parent pair, false for leaf data.</summary>
    public bool IsParent => Chunk.Kind == BaoChunkKind.Parent;

    /// <summary>The parent's pair (parents only).</summary>
    public HashPair Pair => HashPair.Read(Bytes.Span);

    /// <summary>The leaf's offset in the blob (leaves only).</summary>
    public ulong Offset => Chunk.Offset;
}
