using System.Buffers;
using IrohActors.Bao;

namespace IrohActors.Node.Swarm;

/// <summary>Verified items (parents and leaves out of a <see cref="ResponseDecoder"/>) copied into one pooled buffer.</summary>
internal sealed class VerifiedBatch
{
    /// <summary>Bytes of items one batch holds.</summary>
    public const int Capacity = 512 * 1024;

    private int _length;

    /// <summary>The pooled buffer holding the items' bytes.</summary>
    public byte[] Buffer { get; } = ArrayPool<byte>.Shared.Rent(Capacity);

    /// <summary>Each item's position and length in <see cref="Buffer"/>.</summary>
    public List<(BaoChunk Chunk, int Offset, int Length)> Items { get; } = [];

    /// <summary>False when the batch is full (and holds something); the caller sends it and starts another.</summary>
    public bool TryAdd(EncodedItem item)
    {
        if (_length + item.Bytes.Length > Buffer.Length)
            return Items.Count == 0 ? throw new InvalidOperationException($"an item of {item.Bytes.Length} bytes exceeds a batch") : false;
        item.Bytes.Span.CopyTo(Buffer.AsSpan(_length));
        Items.Add((item.Chunk, _length, item.Bytes.Length));
        _length += item.Bytes.Length;
        return true;
    }

    /// <summary>The item at <paramref name="index"/> as the writer takes it.</summary>
    public EncodedItem this[int index]
    {
        get
        {
            var (chunk, offset, length) = Items[index];
            return new EncodedItem(chunk, Buffer.AsMemory(offset, length));
        }
    }

    /// <summary>Gives the buffer back to the pool (once).</summary>
    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}
