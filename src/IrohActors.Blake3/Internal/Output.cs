namespace IrohActors.Blake3.Internal;

/// <summary>
/// A node whose last compression has not run yet: it can still become the root (ROOT flag, extended output)
/// or give a chaining value (non-root). Chunk ends and parents both end here.
/// </summary>
internal unsafe struct Output
{
    public CvWords InputCv;
    public BlockBytes Block;
    public uint BlockLen;
    public ulong Counter;
    public uint Flags;

    /// <summary>A parent node over two child CVs (64 bytes: left then right).</summary>
    public static Output Parent(byte* leftAndRight, in CvWords key, uint flags)
    {
        var o = new Output { InputCv = key, BlockLen = Blake3Constants.BlockLen, Counter = 0, Flags = flags | Blake3Constants.Parent };
        new ReadOnlySpan<byte>(leftAndRight, Blake3Constants.BlockLen).CopyTo(o.Block);
        return o;
    }

    /// <summary>The non-root chaining value.</summary>
    public readonly void ChainingValue(byte* output32)
    {
        CvWords cv = InputCv;
        BlockBytes block = Block;
        Portable.CompressInPlace((uint*)&cv, (byte*)&block, BlockLen, Counter, Flags);
        cv.WriteBytes(new Span<byte>(output32, Blake3Constants.OutLen));
    }

    /// <summary>Root output bytes starting at byte <paramref name="offset"/> of the extended output stream.</summary>
    public readonly void RootBytes(ulong offset, Span<byte> destination)
    {
        CvWords cv = InputCv;
        BlockBytes block = Block;
        byte* buffer = stackalloc byte[Blake3Constants.BlockLen];
        ulong blockIndex = offset / Blake3Constants.BlockLen;
        int skip = (int)(offset % Blake3Constants.BlockLen);
        while (!destination.IsEmpty)
        {
            Portable.CompressXof((uint*)&cv, (byte*)&block, BlockLen, blockIndex, Flags | Blake3Constants.Root, buffer);
            int take = Math.Min(Blake3Constants.BlockLen - skip, destination.Length);
            new ReadOnlySpan<byte>(buffer + skip, take).CopyTo(destination);
            destination = destination[take..];
            skip = 0;
            blockIndex++;
        }
    }
}
