using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IrohActors.Blake3.Internal;

/// <summary>Eight 32-bit words: a key or a chaining value, held inline (no heap).</summary>
[InlineArray(8)]
internal struct CvWords
{
    private uint _element0;

    /// <summary>Reads 32 little-endian bytes.</summary>
    public static CvWords FromBytes(ReadOnlySpan<byte> bytes)
    {
        var w = default(CvWords);
        for (int i = 0; i < 8; i++)
            w[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(i * 4, 4));
        return w;
    }

    /// <summary>Writes the words as 32 little-endian bytes.</summary>
    public readonly void WriteBytes(Span<byte> destination)
    {
        for (int i = 0; i < 8; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(i * 4, 4), this[i]);
    }
}

/// <summary>One 64-byte BLAKE3 block, held inline.</summary>
[InlineArray(Blake3Constants.BlockLen)]
internal struct BlockBytes
{
    private byte _element0;
}
