using Microsoft.Win32.SafeHandles;

namespace IrohActors.Bao;

/// <summary>Where the bytes of a blob come from: memory, a file (random access) or a stream (forward only).</summary>
internal abstract class DataSource
{
    public abstract ulong Length { get; }

    /// <summary>
    /// The bytes <paramref name="offset"/>..+<paramref name="length"/>: a slice of memory when the source is
    /// memory, else read into <paramref name="scratch"/>. Throws <see cref="EndOfStreamException"/> naming the offset if the data ends early.
    /// </summary>
    public abstract ReadOnlyMemory<byte> Read(ulong offset, int length, Memory<byte> scratch);

    /// <summary>
    /// Reads the bytes <paramref name="offset"/>..+<c>destination.Length</c> into <paramref name="destination"/>. Throws
    /// <see cref="EndOfStreamException"/> naming the offset if the data ends early.
    /// </summary>
    public virtual void ReadInto(ulong offset, Span<byte> destination) =>
        Read(offset, destination.Length, new byte[destination.Length]).Span.CopyTo(destination);

    /// <summary>True when one <see cref="Read"/> may span several chunk groups (false: at most one group per read).</summary>
    public virtual bool ReadsAcrossGroups => true;

    /// <summary>True when reads from several threads at once are safe (memory, files read at offsets).</summary>
    public virtual bool ReadsConcurrently => false;
}

internal sealed class MemoryDataSource(ReadOnlyMemory<byte> data) : DataSource
{
    public override ulong Length => (ulong)data.Length;

    public override bool ReadsConcurrently => true;

    public override ReadOnlyMemory<byte> Read(ulong offset, int length, Memory<byte> scratch)
    {
        if (offset + (ulong)length > (ulong)data.Length)
            throw new EndOfStreamException($"data ends at {data.Length}, before offset {offset} + {length}");
        return data.Slice((int)offset, length);
    }

    public override void ReadInto(ulong offset, Span<byte> destination) => Read(offset, destination.Length, default).Span.CopyTo(destination);
}

internal sealed class FileDataSource(SafeFileHandle handle, ulong length, string path) : DataSource
{
    public override ulong Length => length;

    public override bool ReadsConcurrently => true;

    public override ReadOnlyMemory<byte> Read(ulong offset, int count, Memory<byte> scratch)
    {
        var dest = scratch[..count];
        ReadInto(offset, dest.Span);
        return dest;
    }

    public override void ReadInto(ulong offset, Span<byte> destination)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var n = RandomAccess.Read(handle, destination[done..], (long)offset + done);
            if (n == 0)
                throw new EndOfStreamException($"{path}: data ends at offset {(long)offset + done}, expected {length} bytes");
            done += n;
        }
    }
}

/// <summary>A forward-only stream (seekable streams are also read at any offset).</summary>
internal sealed class StreamDataSource(Stream stream, ulong length) : DataSource
{
    private readonly long _origin = stream.CanSeek ? stream.Position : 0;
    private ulong _position;

    public override ulong Length => length;

    public override ReadOnlyMemory<byte> Read(ulong offset, int count, Memory<byte> scratch)
    {
        var dest = scratch[..count];
        ReadInto(offset, dest.Span);
        return dest;
    }

    public override void ReadInto(ulong offset, Span<byte> destination)
    {
        var count = destination.Length;
        if (offset != _position)
        {
            if (!stream.CanSeek)
                throw new NotSupportedException($"stream is at offset {_position} and cannot seek to {offset}");
            stream.Position = _origin + (long)offset;
        }
        var done = 0;
        while (done < count)
        {
            var n = stream.Read(destination[done..]);
            if (n == 0)
                throw new EndOfStreamException($"data stream ends at offset {offset + (ulong)done}, expected {length} bytes");
            done += n;
        }
        _position = offset + (ulong)count;
    }
}
