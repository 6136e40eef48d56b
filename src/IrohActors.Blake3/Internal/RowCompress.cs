using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IrohActors.Blake3.Internal;

/// <summary>
/// One block at a time with the state as four Vector128 rows (the SSE4.1 single-block path,
/// <c>blake3_compress_in_place_sse41</c>): G runs on all four columns at once, then on the diagonals after
/// rotating rows 0, 2 and 3 (row 1 stays put). Used for parents left over, partial chunks, the root and the XOF.
/// </summary>
internal static unsafe class RowCompress
{
    /// <summary>True when the CPU has the byte shuffle this path needs.</summary>
    public static bool IsSupported => Ssse3.IsSupported && BitConverter.IsLittleEndian;

    /// <summary>Message word indices for each of the 7 rounds (the permutation applied round after round).</summary>
    private static ReadOnlySpan<byte> Schedule =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8,
        3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1,
        10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6,
        12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4,
        9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7,
        11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot16(Vector128<uint> x) =>
        Ssse3.Shuffle(x.AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot8(Vector128<uint> x) =>
        Ssse3.Shuffle(x.AsByte(), Vector128.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot12(Vector128<uint> x) => Vector128.ShiftRightLogical(x, 12) | Vector128.ShiftLeft(x, 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot7(Vector128<uint> x) => Vector128.ShiftRightLogical(x, 7) | Vector128.ShiftLeft(x, 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d, Vector128<uint> mx, Vector128<uint> my)
    {
        a = a + mx + b;
        d = Rot16(d ^ a);
        c += d;
        b = Rot12(b ^ c);
        a = a + my + b;
        d = Rot8(d ^ a);
        c += d;
        b = Rot7(b ^ c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rounds(uint* cv, byte* block, uint blockLen, ulong counter, uint flags,
        out Vector128<uint> row0, out Vector128<uint> row1, out Vector128<uint> row2, out Vector128<uint> row3)
    {
        uint* w = (uint*)block;
        var r0 = Vector128.Load(cv);
        var r1 = Vector128.Load(cv + 4);
        var r2 = Vector128.Create(Blake3Constants.IV0, Blake3Constants.IV1, Blake3Constants.IV2, Blake3Constants.IV3);
        var r3 = Vector128.Create((uint)counter, (uint)(counter >> 32), blockLen, flags);
        ref byte schedule = ref Unsafe.AsRef(in Schedule[0]);
        for (int r = 0; r < 7; r++)
        {
            ref byte s = ref Unsafe.Add(ref schedule, 16 * r);
            var mx = Vector128.Create(w[s], w[Unsafe.Add(ref s, 2)], w[Unsafe.Add(ref s, 4)], w[Unsafe.Add(ref s, 6)]);
            var my = Vector128.Create(w[Unsafe.Add(ref s, 1)], w[Unsafe.Add(ref s, 3)], w[Unsafe.Add(ref s, 5)], w[Unsafe.Add(ref s, 7)]);
            G(ref r0, ref r1, ref r2, ref r3, mx, my);
            // Diagonalize: position 1 now holds G(0,5,10,15), 2 G(1,6,11,12), 3 G(2,7,8,13), 0 G(3,4,9,14).
            r0 = Sse2.Shuffle(r0, 0b10_01_00_11);
            r3 = Sse2.Shuffle(r3, 0b01_00_11_10);
            r2 = Sse2.Shuffle(r2, 0b00_11_10_01);
            mx = Vector128.Create(w[Unsafe.Add(ref s, 14)], w[Unsafe.Add(ref s, 8)], w[Unsafe.Add(ref s, 10)], w[Unsafe.Add(ref s, 12)]);
            my = Vector128.Create(w[Unsafe.Add(ref s, 15)], w[Unsafe.Add(ref s, 9)], w[Unsafe.Add(ref s, 11)], w[Unsafe.Add(ref s, 13)]);
            G(ref r0, ref r1, ref r2, ref r3, mx, my);
            r0 = Sse2.Shuffle(r0, 0b00_11_10_01);
            r3 = Sse2.Shuffle(r3, 0b01_00_11_10);
            r2 = Sse2.Shuffle(r2, 0b10_01_00_11);
        }
        row0 = r0;
        row1 = r1;
        row2 = r2;
        row3 = r3;
    }

    /// <summary>Compresses one block and replaces the 8-word <paramref name="cv"/>.</summary>
    public static void CompressInPlace(uint* cv, byte* block, uint blockLen, ulong counter, uint flags)
    {
        Rounds(cv, block, blockLen, counter, flags, out var r0, out var r1, out var r2, out var r3);
        (r0 ^ r2).Store(cv);
        (r1 ^ r3).Store(cv + 4);
    }

    /// <summary>Compresses one block and writes all 64 output bytes (extended output of a root).</summary>
    public static void CompressXof(uint* cv, byte* block, uint blockLen, ulong counter, uint flags, byte* output64)
    {
        Rounds(cv, block, blockLen, counter, flags, out var r0, out var r1, out var r2, out var r3);
        (r0 ^ r2).Store((uint*)output64);
        (r1 ^ r3).Store((uint*)(output64 + 16));
        (r2 ^ Vector128.Load(cv)).Store((uint*)(output64 + 32));
        (r3 ^ Vector128.Load(cv + 4)).Store((uint*)(output64 + 48));
    }
}
