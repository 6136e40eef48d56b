using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// Items read ahead by a decoder: parents are verified as they arrive (cheap, and later leaves need their
/// CVs), leaves wait here with their expected hash and are verified together, in parallel across cores for
/// big batches, before any of them is written.
/// </summary>
internal sealed class LeafBatch : IDisposable
{
    private const int ParallelThreshold = 1 << 20;
    private readonly List<Pending> _items = [];
    private byte[] _buffer;
    private int _used;
    private int _leafBytes;

    public LeafBatch(int capacity) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    public int Count => _items.Count;

    public bool HasRoomFor(int length) => _used + length <= _buffer.Length;

    public Memory<byte> Reserve(int length) => _buffer.AsMemory(_used, length);

    public void AddParent(BaoChunk chunk)
    {
        _items.Add(new Pending(chunk, _used, 64, default));
        _used += 64;
    }

    public void AddLeaf(BaoChunk chunk, Hash expected)
    {
        _items.Add(new Pending(chunk, _used, chunk.Size, expected));
        _used += chunk.Size;
        _leafBytes += chunk.Size;
    }

    /// <summary>Verifies every leaf; returns the index of the first item that failed, or -1.</summary>
    public int Verify()
    {
        var ok = new bool[_items.Count];
        var workers = Math.Min(Environment.ProcessorCount, _leafBytes / (ParallelThreshold / 2));
        if (_leafBytes < ParallelThreshold || workers <= 1)
            VerifyRange(0, _items.Count, ok);
        else
            Parallel.For(0, workers, w => VerifyRange(_items.Count * w / workers, _items.Count * (w + 1) / workers, ok));
        return Array.IndexOf(ok, false);
    }

    public (BaoChunk Chunk, ReadOnlyMemory<byte> Bytes) this[int index]
    {
        get
        {
            var p = _items[index];
            return (p.Chunk, _buffer.AsMemory(p.Offset, p.Length));
        }
    }

    public void Clear()
    {
        _items.Clear();
        _used = 0;
        _leafBytes = 0;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void VerifyRange(int from, int to, bool[] ok)
    {
        for (var i = from; i < to; i++)
        {
            var p = _items[i];
            ok[i] = p.Chunk.Kind == BaoChunkKind.Parent
                || Subtree.HashSubtree(p.Chunk.StartChunk.Value, _buffer.AsSpan(p.Offset, p.Length), p.Chunk.IsRoot) == p.Expected;
        }
    }

    private readonly record struct Pending(BaoChunk Chunk, int Offset, int Length, Hash Expected);
}
