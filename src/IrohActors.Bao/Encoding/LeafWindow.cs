using System.Buffers;
using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// An encoder's read-ahead of consecutive whole chunk groups (small groups only), hashed together with
/// <see cref="Subtree.HashSubtrees(ulong, ReadOnlySpan{byte}, int, Span{Hash})"/> so the SIMD lanes are
/// full; each leaf is then handed out from the same bytes that were hashed.
/// </summary>
internal sealed class LeafWindow : IDisposable
{
    /// <summary>From this group size on (16 KiB) one group fills every lane by itself: no window.</summary>
    public const int MaxChunkLog = 3;

    private const int WindowBytes = 256 << 10;
    private readonly int _chunkLog;
    private readonly int _groupBytes;
    private readonly Hash[] _cvs;
    private byte[] _buffer;
    private ReadOnlyMemory<byte> _bytes;
    private ulong _startChunk;
    private int _groups;

    public LeafWindow(BlockSize blockSize)
    {
        _chunkLog = blockSize.ChunkLog;
        _groupBytes = (int)blockSize.Bytes;
        MaxGroups = WindowBytes / _groupBytes;
        _cvs = new Hash[MaxGroups];
        _buffer = ArrayPool<byte>.Shared.Rent(WindowBytes);
    }

    /// <summary>The most groups one window holds.</summary>
    public int MaxGroups { get; }

    /// <summary>True when the group starting at <paramref name="startChunk"/> is in the window.</summary>
    public bool Contains(ulong startChunk) =>
        _groups > 0 && startChunk >= _startChunk && (startChunk - _startChunk) >> _chunkLog < (ulong)_groups;

    /// <summary>Reads <paramref name="groups"/> whole groups from chunk <paramref name="startChunk"/> and hashes them.</summary>
    /// <exception cref="EndOfStreamException">The source ended early.</exception>
    public void Fill(DataSource source, ulong startChunk, int groups)
    {
        _groups = 0;
        _bytes = source.Read(startChunk * ChunkNum.ChunkLen, groups * _groupBytes, _buffer);
        Subtree.HashSubtrees(startChunk, _bytes.Span, _chunkLog, _cvs.AsSpan(0, groups));
        _startChunk = startChunk;
        _groups = groups;
    }

    /// <summary>The bytes of the group at <paramref name="startChunk"/> (in the window) and their chaining value.</summary>
    public ReadOnlyMemory<byte> Leaf(ulong startChunk, out Hash cv)
    {
        var index = (int)((startChunk - _startChunk) >> _chunkLog);
        cv = _cvs[index];
        return _bytes.Slice(index * _groupBytes, _groupBytes);
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _groups = 0;
    }
}
