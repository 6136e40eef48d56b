namespace IrohActors.Blake3.Internal;

/// <summary>The chunk being filled: its running CV, the buffered last block, and how many blocks are compressed.</summary>
internal unsafe struct ChunkState
{
    public CvWords Cv;
    public ulong ChunkCounter;
    public BlockBytes Buffer;
    public int BufferLen;
    public int BlocksCompressed;
    public uint Flags;

    public ChunkState(in CvWords key, ulong chunkCounter, uint flags)
    {
        Cv = key;
        ChunkCounter = chunkCounter;
        Flags = flags;
    }

    /// <summary>Bytes of this chunk seen so far.</summary>
    public readonly int Length => BlocksCompressed * Blake3Constants.BlockLen + BufferLen;

    private readonly uint StartFlag => BlocksCompressed == 0 ? Blake3Constants.ChunkStart : 0;

    /// <summary>Adds bytes (at most what is left of the chunk). The last block is always kept buffered: it may be the chunk's end.</summary>
    public void Update(ReadOnlySpan<byte> input)
    {
        fixed (byte* p = input)
        fixed (CvWords* cv = &Cv)
        fixed (BlockBytes* buffer = &Buffer)
        {
            byte* src = p;
            int len = input.Length;
            if (BufferLen > 0)
            {
                int take = Math.Min(Blake3Constants.BlockLen - BufferLen, len);
                new ReadOnlySpan<byte>(src, take).CopyTo(new Span<byte>((byte*)buffer + BufferLen, take));
                BufferLen += take;
                src += take;
                len -= take;
                if (len > 0)
                {
                    Portable.CompressInPlace((uint*)cv, (byte*)buffer, Blake3Constants.BlockLen, ChunkCounter, Flags | StartFlag);
                    BlocksCompressed++;
                    BufferLen = 0;
                }
            }
            while (len > Blake3Constants.BlockLen)
            {
                Portable.CompressInPlace((uint*)cv, src, Blake3Constants.BlockLen, ChunkCounter, Flags | StartFlag);
                BlocksCompressed++;
                src += Blake3Constants.BlockLen;
                len -= Blake3Constants.BlockLen;
            }
            if (len > 0)
            {
                new ReadOnlySpan<byte>(src, len).CopyTo(new Span<byte>((byte*)buffer + BufferLen, len));
                BufferLen += len;
            }
        }
    }

    /// <summary>The chunk's final node (CHUNK_END on the buffered block; zero padding after it).</summary>
    public readonly Output Output()
    {
        var block = Buffer;
        ((Span<byte>)block)[BufferLen..].Clear();
        return new Output
        {
            InputCv = Cv,
            Block = block,
            BlockLen = (uint)BufferLen,
            Counter = ChunkCounter,
            Flags = Flags | StartFlag | Blake3Constants.ChunkEnd,
        };
    }
}
