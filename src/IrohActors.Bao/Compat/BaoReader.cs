using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>
/// A read-only, seekable stream of the verified content of a combined encoding or of input + bao outboard
/// (bao's seeking decoder). Each chunk is verified against the root before its bytes are returned, and the
/// final chunk is verified before the length or the end can be observed (bao's final-chunk requirement).
/// </summary>
public sealed class BaoReader : Stream
{
    private readonly DataSource _data;
    private readonly IOutboard _outboard;
    private readonly byte[] _chunk = new byte[ChunkNum.ChunkLen];
    private ulong _cachedChunk = ulong.MaxValue;
    private int _cachedLength;
    private bool _finalVerified;
    private long _position;

    private BaoReader(DataSource data, IOutboard outboard)
    {
        _data = data;
        _outboard = outboard;
    }

    /// <summary>Reads a combined encoding (8-byte size, pre-order tree with data) from a seekable stream.</summary>
    public static BaoReader OverEncoding(Stream encoded, Hash hash, BlockSize blockSize = default)
    {
        var view = new CombinedEncodingView(encoded, blockSize, hash);
        return new BaoReader(view, view);
    }

    /// <summary>Reads <paramref name="input"/> verified through a bao outboard (8-byte size, pre-order pairs); both seekable.</summary>
    public static BaoReader OverOutboard(Stream input, Stream outboard, Hash hash, BlockSize blockSize = default)
    {
        var tree = new BaoTree(BaoFormat.ReadHeader(outboard), blockSize);
        return new BaoReader(new StreamDataSource(input, tree.Size), PreOrderOutboard.FromStream(tree, hash, outboard, BaoFormat.HeaderSize, "outboard"));
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => true;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <summary>The verified length (the final chunk is verified first).</summary>
    public override long Length
    {
        get
        {
            VerifyFinalChunk();
            return (long)_outboard.Tree.Size;
        }
    }

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        if (target < 0)
            throw new IOException($"seek to negative offset {target}");
        if ((ulong)target >= _outboard.Tree.Size)
            VerifyFinalChunk();
        _position = target;
        return target;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var size = _outboard.Tree.Size;
        if ((ulong)_position >= size)
        {
            VerifyFinalChunk();
            return 0;
        }
        var chunk = (ulong)_position / ChunkNum.ChunkLen;
        LoadChunk(chunk);
        var within = (int)((ulong)_position - chunk * ChunkNum.ChunkLen);
        var n = Math.Min(buffer.Length, _cachedLength - within);
        _chunk.AsSpan(within, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void VerifyFinalChunk()
    {
        if (_finalVerified)
            return;
        using var encoder = new RangeEncoder(_data, _outboard, ChunkRanges.LastChunk) { Where = "encoding" };
        while (encoder.TryNext(out _))
        {
        }
        _finalVerified = true;
    }

    private void LoadChunk(ulong chunk)
    {
        if (chunk == _cachedChunk)
            return;
        using var encoder = new RangeEncoder(_data, _outboard, ChunkRanges.Chunk(chunk)) { Where = "encoding" };
        while (encoder.TryNext(out var item))
        {
            if (item.IsParent)
                continue;
            // With chunk groups a leaf may hold more than the chunk: keep just the chunk.
            var skip = (int)(chunk * ChunkNum.ChunkLen - item.Offset);
            if (skip < 0 || skip >= item.Bytes.Length && item.Bytes.Length > 0)
                continue;
            var bytes = item.Bytes.Span[skip..];
            _cachedLength = Math.Min(bytes.Length, ChunkNum.ChunkLen);
            bytes[.._cachedLength].CopyTo(_chunk);
        }
        _cachedChunk = chunk;
    }
}
