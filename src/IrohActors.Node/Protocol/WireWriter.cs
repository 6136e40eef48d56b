using IrohActors.Bao;

namespace IrohActors.Node.Protocol;

/// <summary>Appends postcard-style values (LEB128 varints up to 10 bytes, raw byte arrays) to a growing buffer.</summary>
internal sealed class WireWriter
{
    private byte[] _buffer = new byte[64];

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, Length);

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[Length++] = value;
    }

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[Length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[Length++] = (byte)value;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>A <see cref="ChunkRanges"/> as iroh's wire <c>RangeSpec</c>: a count, then deltas between boundaries starting from 0.</summary>
    public void WriteRangeSpec(ChunkRanges ranges)
    {
        var boundaries = ranges.Boundaries;
        WriteVarint((ulong)boundaries.Length);
        ulong previous = 0;
        foreach (var b in boundaries)
        {
            WriteVarint(b - previous);
            previous = b;
        }
    }

    public byte[] ToArray() => Written.ToArray();

    private void Ensure(int extra)
    {
        if (Length + extra <= _buffer.Length)
            return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + extra));
    }
}
