using System.Buffers.Binary;

namespace IrohActors.Blake3.Internal;

/// <summary>Word-by-word transposes through a scratch buffer: the portable path of the lane kernels (no SIMD shuffles).</summary>
internal static unsafe class LaneScratch
{
    /// <summary>Word k of the block of input j (at <c>block + j * stride</c>) goes to <c>words[k * lanes + j]</c>.</summary>
    public static void Gather(byte* block, nint stride, int lanes, uint* words)
    {
        for (int j = 0; j < lanes; j++)
            for (int k = 0; k < 16; k++)
                words[k * lanes + j] = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(block + j * stride + 4 * k, 4));
    }

    /// <summary>Word i of lane j (at <c>words[i * lanes + j]</c>) goes to output CV j, little-endian.</summary>
    public static void Scatter(uint* words, int lanes, byte* output)
    {
        for (int j = 0; j < lanes; j++)
            for (int i = 0; i < 8; i++)
                BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(output + j * 32 + 4 * i, 4), words[i * lanes + j]);
    }

    /// <summary>Copies the 64-byte block of each of <paramref name="lanes"/> inputs to the same offset at <paramref name="copy"/> (the portable path of the fused copy).</summary>
    public static void CopyBlocks(byte* block, byte* copy, nint stride, int lanes)
    {
        for (int j = 0; j < lanes; j++)
            Buffer.MemoryCopy(block + j * stride, copy + j * stride, Blake3Constants.BlockLen, Blake3Constants.BlockLen);
    }
}
