using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IrohActors.Blake3.Internal;

/// <summary>
/// The scalar compression function (one block at a time). It is the reference the lane kernels are tested
/// against, and the path for single blocks: partial chunks, parents left over, the root and the XOF.
/// </summary>
internal static unsafe partial class Portable
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Word(byte* block, int i)
    {
        uint w = Unsafe.ReadUnaligned<uint>(block + 4 * i);
        return BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteWord(byte* destination, uint w) =>
        Unsafe.WriteUnaligned(destination, BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w));

    /// <summary>
    /// Single blocks go through the row-wise SIMD path when the CPU has it (off with IROH_BLAKE3_IMPL=Scalar,
    /// which keeps the whole hash on the plain scalar reference).
    /// </summary>
    private static readonly bool UseRows = RowCompress.IsSupported && Implementations.Best != Implementation.Scalar;

    /// <summary>Compresses one block and replaces <paramref name="cv"/> (8 words) with the new chaining value.</summary>
    public static void CompressInPlace(uint* cv, byte* block, uint blockLen, ulong counter, uint flags)
    {
        if (UseRows)
        {
            RowCompress.CompressInPlace(cv, block, blockLen, counter, flags);
            return;
        }
        CompressInPlaceScalar(cv, block, blockLen, counter, flags);
    }

    /// <summary>The plain scalar compression (the reference the SIMD paths are tested against).</summary>
    public static void CompressInPlaceScalar(uint* cv, byte* block, uint blockLen, ulong counter, uint flags)
    {
        uint* s = stackalloc uint[16];
        CompressRounds(cv, block, blockLen, counter, flags, s);
        for (int i = 0; i < 8; i++)
            cv[i] = s[i] ^ s[i + 8];
    }

    /// <summary>Compresses one block and writes all 64 output bytes (the extended output of a root node).</summary>
    public static void CompressXof(uint* cv, byte* block, uint blockLen, ulong counter, uint flags, byte* output64)
    {
        if (UseRows)
        {
            RowCompress.CompressXof(cv, block, blockLen, counter, flags, output64);
            return;
        }
        CompressXofScalar(cv, block, blockLen, counter, flags, output64);
    }

    /// <summary>The plain scalar extended-output compression.</summary>
    public static void CompressXofScalar(uint* cv, byte* block, uint blockLen, ulong counter, uint flags, byte* output64)
    {
        uint* s = stackalloc uint[16];
        CompressRounds(cv, block, blockLen, counter, flags, s);
        for (int i = 0; i < 8; i++)
        {
            WriteWord(output64 + 4 * i, s[i] ^ s[i + 8]);
            WriteWord(output64 + 32 + 4 * i, s[i + 8] ^ cv[i]);
        }
    }

    /// <summary>Hashes one input of <paramref name="blocks"/> whole blocks to its chaining value (32 bytes at <paramref name="output"/>).</summary>
    public static void HashOne(byte* input, int blocks, uint* key, ulong counter, uint flags, uint flagsStart, uint flagsEnd, byte* output) =>
        HashOneCopy(input, null, blocks, key, counter, flags, flagsStart, flagsEnd, output);

    /// <summary>
    /// <see cref="HashOne"/> that also copies the input to <paramref name="copy"/> (unless it is null), block by block
    /// right before compressing it (the scalar path of the fused copy-while-hashing entry).
    /// </summary>
    public static void HashOneCopy(byte* input, byte* copy, int blocks, uint* key, ulong counter, uint flags, uint flagsStart, uint flagsEnd, byte* output)
    {
        uint* cv = stackalloc uint[8];
        for (int i = 0; i < 8; i++)
            cv[i] = key[i];
        uint blockFlags = flags | flagsStart;
        for (int b = 0; b < blocks; b++)
        {
            if (b == blocks - 1)
                blockFlags |= flagsEnd;
            byte* block = input + b * Blake3Constants.BlockLen;
            if (copy is not null)
                Buffer.MemoryCopy(block, copy + b * Blake3Constants.BlockLen, Blake3Constants.BlockLen, Blake3Constants.BlockLen);
            CompressInPlace(cv, block, Blake3Constants.BlockLen, counter, blockFlags);
            blockFlags = flags;
        }
        for (int i = 0; i < 8; i++)
            WriteWord(output + 4 * i, cv[i]);
    }
}
