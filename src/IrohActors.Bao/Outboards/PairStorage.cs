using Microsoft.Win32.SafeHandles;

namespace IrohActors.Bao;

/// <summary>Fixed-size 64-byte slots in memory or in a file; the outboards decide which slot a node uses.</summary>
internal abstract class PairStorage
{
    public abstract void Read(ulong slot, Span<byte> pair);

    public abstract void Write(ulong slot, ReadOnlySpan<byte> pair);

    public abstract void Flush();
}

internal sealed class MemoryPairStorage(byte[] bytes, int offset) : PairStorage
{
    public byte[] Bytes => bytes;

    public override void Read(ulong slot, Span<byte> pair) => bytes.AsSpan(checked(offset + (int)(slot * 64)), 64).CopyTo(pair);

    public override void Write(ulong slot, ReadOnlySpan<byte> pair) => pair.CopyTo(bytes.AsSpan(checked(offset + (int)(slot * 64)), 64));

    public override void Flush()
    {
    }
}

internal sealed class FilePairStorage(SafeFileHandle handle, long offset, string path) : PairStorage
{
    public override void Read(ulong slot, Span<byte> pair)
    {
        var at = offset + (long)slot * 64;
        var n = RandomAccess.Read(handle, pair, at);
        if (n != 64)
            throw new EndOfStreamException($"{path}: outboard ends before pair slot {slot} (offset {at})");
    }

    public override void Write(ulong slot, ReadOnlySpan<byte> pair) => RandomAccess.Write(handle, pair, offset + (long)slot * 64);

    public override void Flush() => RandomAccess.FlushToDisk(handle);
}

internal sealed class StreamPairStorage(Stream stream, long offset, string what) : PairStorage
{
    public override void Read(ulong slot, Span<byte> pair)
    {
        var at = offset + (long)slot * 64;
        stream.Position = at;
        var done = 0;
        while (done < 64)
        {
            var n = stream.Read(pair[done..]);
            if (n == 0)
                throw new EndOfStreamException($"{what} ends before pair slot {slot} (offset {at})");
            done += n;
        }
    }

    public override void Write(ulong slot, ReadOnlySpan<byte> pair)
    {
        stream.Position = offset + (long)slot * 64;
        stream.Write(pair);
    }

    public override void Flush() => stream.Flush();
}
