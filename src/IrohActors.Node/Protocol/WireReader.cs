using IrohActors.Bao;

namespace IrohActors.Node.Protocol;

/// <summary>Reads postcard-style values from a request; every failure is a <see cref="MalformedRequestException"/> naming the byte offset.</summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _bytes;

    public WireReader(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes;
        Offset = 0;
    }

    /// <summary>The offset of the next byte to read.</summary>
    public int Offset { get; private set; }

    public readonly bool AtEnd => Offset == _bytes.Length;

    public byte ReadByte(string what)
    {
        if (Offset >= _bytes.Length)
            throw new MalformedRequestException(Offset, $"{what}: the request ends here");
        return _bytes[Offset++];
    }

    public ulong ReadVarint(string what)
    {
        var start = Offset;
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 63)
                throw new MalformedRequestException(start, $"{what}: varint longer than 10 bytes");
            var b = ReadByte(what);
            if (shift == 63 && b > 1)
                throw new MalformedRequestException(start, $"{what}: varint overflows 64 bits");
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
    }

    public ReadOnlySpan<byte> ReadBytes(int count, string what)
    {
        if (_bytes.Length - Offset < count)
            throw new MalformedRequestException(Offset, $"{what}: needs {count} bytes, {_bytes.Length - Offset} left");
        var span = _bytes.Slice(Offset, count);
        Offset += count;
        return span;
    }

    /// <summary>Reads a count and checks it against the bytes left (each element takes at least <paramref name="minElementSize"/> bytes).</summary>
    public int ReadCount(string what, int minElementSize)
    {
        var start = Offset;
        var count = ReadVarint(what);
        if (count > (ulong)((_bytes.Length - Offset) / Math.Max(1, minElementSize)))
            throw new MalformedRequestException(start, $"{what}: count {count} exceeds what the request can hold");
        return (int)count;
    }

    /// <summary>Reads iroh's wire <c>RangeSpec</c> (count, then deltas from 0) back into <see cref="ChunkRanges"/>.</summary>
    public ChunkRanges ReadRangeSpec(string what)
    {
        var start = Offset;
        var count = ReadCount(what, 1);
        var boundaries = new ulong[count];
        ulong previous = 0;
        for (var i = 0; i < count; i++)
        {
            var delta = ReadVarint(what);
            if (i > 0 && delta == 0)
                throw new MalformedRequestException(start, $"{what}: boundary {i} repeats the previous one");
            if (ulong.MaxValue - previous < delta)
                throw new MalformedRequestException(start, $"{what}: boundary {i} overflows 64 bits");
            previous += delta;
            boundaries[i] = previous;
        }
        return ChunkRanges.FromBoundaries(boundaries);
    }

    public readonly void ExpectEnd(string what)
    {
        if (!AtEnd)
            throw new MalformedRequestException(Offset, $"{what}: {_bytes.Length - Offset} unexpected bytes after the request");
    }
}
