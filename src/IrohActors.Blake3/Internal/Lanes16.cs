using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IrohActors.Blake3.Internal;

/// <summary>16-way word-sliced kernel on Vector512 (AVX-512: <c>blake3_hash16_avx512</c>); lane j is input j.</summary>
internal static unsafe partial class Lanes16
{
    private static bool Hardware => Avx512F.IsSupported && BitConverter.IsLittleEndian;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Rot(Vector512<uint> x, [ConstantExpected] byte n) =>
        Avx512F.IsSupported ? Avx512F.RotateRight(x, n) : Vector512.ShiftRightLogical(x, n) | Vector512.ShiftLeft(x, 32 - n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Rot16(Vector512<uint> x) => Rot(x, 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Rot12(Vector512<uint> x) => Rot(x, 12);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Rot8(Vector512<uint> x) => Rot(x, 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Rot7(Vector512<uint> x) => Rot(x, 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CounterVectors(ulong counter, bool increment, out Vector512<uint> low, out Vector512<uint> high)
    {
        uint* lo = stackalloc uint[16];
        uint* hi = stackalloc uint[16];
        for (int j = 0; j < 16; j++)
        {
            ulong c = counter + (increment ? (ulong)j : 0);
            lo[j] = (uint)c;
            hi[j] = (uint)(c >> 32);
        }
        low = Vector512.Load(lo);
        high = Vector512.Load(hi);
    }

    /// <summary>
    /// 16x16 transpose of 32-bit words. Unpack 32 and unpack 64 transpose 4x4 inside each 128-bit lane
    /// (groups of four inputs); two rounds of shuffle_i32x4 then gather lane L of the four groups
    /// (<c>transpose_vecs_512</c> in c/blake3_avx512.c).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(
        ref Vector512<uint> v0, ref Vector512<uint> v1, ref Vector512<uint> v2, ref Vector512<uint> v3,
        ref Vector512<uint> v4, ref Vector512<uint> v5, ref Vector512<uint> v6, ref Vector512<uint> v7,
        ref Vector512<uint> v8, ref Vector512<uint> v9, ref Vector512<uint> v10, ref Vector512<uint> v11,
        ref Vector512<uint> v12, ref Vector512<uint> v13, ref Vector512<uint> v14, ref Vector512<uint> v15)
    {
        Quad(v0, v1, v2, v3, out var a0, out var a1, out var a2, out var a3);
        Quad(v4, v5, v6, v7, out var b0, out var b1, out var b2, out var b3);
        Quad(v8, v9, v10, v11, out var c0, out var c1, out var c2, out var c3);
        Quad(v12, v13, v14, v15, out var d0, out var d1, out var d2, out var d3);
        // ab_r01 = lanes 0,1 of a_r then lanes 0,1 of b_r; ab_r23 = lanes 2,3 of each.
        Join(a0, b0, c0, d0, out v0, out v4, out v8, out v12);
        Join(a1, b1, c1, d1, out v1, out v5, out v9, out v13);
        Join(a2, b2, c2, d2, out v2, out v6, out v10, out v14);
        Join(a3, b3, c3, d3, out v3, out v7, out v11, out v15);
    }

    /// <summary>In each 128-bit lane L: out r holds word 4L + r of inputs a, b, c, d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d,
        out Vector512<uint> r0, out Vector512<uint> r1, out Vector512<uint> r2, out Vector512<uint> r3)
    {
        var ab01 = Avx512F.UnpackLow(a, b).AsUInt64();
        var ab23 = Avx512F.UnpackHigh(a, b).AsUInt64();
        var cd01 = Avx512F.UnpackLow(c, d).AsUInt64();
        var cd23 = Avx512F.UnpackHigh(c, d).AsUInt64();
        r0 = Avx512F.UnpackLow(ab01, cd01).AsUInt32();
        r1 = Avx512F.UnpackHigh(ab01, cd01).AsUInt32();
        r2 = Avx512F.UnpackLow(ab23, cd23).AsUInt32();
        r3 = Avx512F.UnpackHigh(ab23, cd23).AsUInt32();
    }

    /// <summary>From the four groups' vectors for word offset r, builds the message vectors for words r, 4+r, 8+r, 12+r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Join(Vector512<uint> a, Vector512<uint> b, Vector512<uint> c, Vector512<uint> d,
        out Vector512<uint> w0, out Vector512<uint> w4, out Vector512<uint> w8, out Vector512<uint> w12)
    {
        var ab01 = Avx512F.Shuffle4x128(a, b, 0x44); // a.L0 a.L1 b.L0 b.L1
        var ab23 = Avx512F.Shuffle4x128(a, b, 0xEE); // a.L2 a.L3 b.L2 b.L3
        var cd01 = Avx512F.Shuffle4x128(c, d, 0x44);
        var cd23 = Avx512F.Shuffle4x128(c, d, 0xEE);
        w0 = Avx512F.Shuffle4x128(ab01, cd01, 0x88);  // a.L0 b.L0 c.L0 d.L0
        w4 = Avx512F.Shuffle4x128(ab01, cd01, 0xDD);  // a.L1 b.L1 c.L1 d.L1
        w8 = Avx512F.Shuffle4x128(ab23, cd23, 0x88);
        w12 = Avx512F.Shuffle4x128(ab23, cd23, 0xDD);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTransposed(byte* block, nint stride, Vector512<uint>* m)
    {
        if (Hardware)
        {
            for (int j = 0; j < 16; j++)
                Sse.Prefetch0(block + j * stride + 256);
            var m0 = Vector512.Load((uint*)block); var m1 = Vector512.Load((uint*)(block + stride));
            var m2 = Vector512.Load((uint*)(block + 2 * stride)); var m3 = Vector512.Load((uint*)(block + 3 * stride));
            var m4 = Vector512.Load((uint*)(block + 4 * stride)); var m5 = Vector512.Load((uint*)(block + 5 * stride));
            var m6 = Vector512.Load((uint*)(block + 6 * stride)); var m7 = Vector512.Load((uint*)(block + 7 * stride));
            var m8 = Vector512.Load((uint*)(block + 8 * stride)); var m9 = Vector512.Load((uint*)(block + 9 * stride));
            var m10 = Vector512.Load((uint*)(block + 10 * stride)); var m11 = Vector512.Load((uint*)(block + 11 * stride));
            var m12 = Vector512.Load((uint*)(block + 12 * stride)); var m13 = Vector512.Load((uint*)(block + 13 * stride));
            var m14 = Vector512.Load((uint*)(block + 14 * stride)); var m15 = Vector512.Load((uint*)(block + 15 * stride));
            Transpose(ref m0, ref m1, ref m2, ref m3, ref m4, ref m5, ref m6, ref m7,
                ref m8, ref m9, ref m10, ref m11, ref m12, ref m13, ref m14, ref m15);
            m[0] = m0; m[1] = m1; m[2] = m2; m[3] = m3; m[4] = m4; m[5] = m5; m[6] = m6; m[7] = m7; m[8] = m8; m[9] = m9; m[10] = m10; m[11] = m11; m[12] = m12; m[13] = m13; m[14] = m14; m[15] = m15; 
            return;
        }
        uint* t = stackalloc uint[16 * 16];
        LaneScratch.Gather(block, stride, 16, t);
        for (int k = 0; k < 16; k++)
            m[k] = Vector512.Load(t + k * 16);
    }

    /// <summary><see cref="LoadTransposed"/> that also stores each input's 64-byte block to the same offset at <paramref name="copy"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTransposedCopy(byte* block, byte* copy, nint stride, Vector512<uint>* m)
    {
        if (Hardware)
        {
            for (int j = 0; j < 16; j++)
                Sse.Prefetch0(block + j * stride + 256);
            var m0 = Vector512.Load((uint*)block); var m1 = Vector512.Load((uint*)(block + stride));
            var m2 = Vector512.Load((uint*)(block + 2 * stride)); var m3 = Vector512.Load((uint*)(block + 3 * stride));
            var m4 = Vector512.Load((uint*)(block + 4 * stride)); var m5 = Vector512.Load((uint*)(block + 5 * stride));
            var m6 = Vector512.Load((uint*)(block + 6 * stride)); var m7 = Vector512.Load((uint*)(block + 7 * stride));
            var m8 = Vector512.Load((uint*)(block + 8 * stride)); var m9 = Vector512.Load((uint*)(block + 9 * stride));
            var m10 = Vector512.Load((uint*)(block + 10 * stride)); var m11 = Vector512.Load((uint*)(block + 11 * stride));
            var m12 = Vector512.Load((uint*)(block + 12 * stride)); var m13 = Vector512.Load((uint*)(block + 13 * stride));
            var m14 = Vector512.Load((uint*)(block + 14 * stride)); var m15 = Vector512.Load((uint*)(block + 15 * stride));
            m0.Store((uint*)copy); m1.Store((uint*)(copy + stride));
            m2.Store((uint*)(copy + 2 * stride)); m3.Store((uint*)(copy + 3 * stride));
            m4.Store((uint*)(copy + 4 * stride)); m5.Store((uint*)(copy + 5 * stride));
            m6.Store((uint*)(copy + 6 * stride)); m7.Store((uint*)(copy + 7 * stride));
            m8.Store((uint*)(copy + 8 * stride)); m9.Store((uint*)(copy + 9 * stride));
            m10.Store((uint*)(copy + 10 * stride)); m11.Store((uint*)(copy + 11 * stride));
            m12.Store((uint*)(copy + 12 * stride)); m13.Store((uint*)(copy + 13 * stride));
            m14.Store((uint*)(copy + 14 * stride)); m15.Store((uint*)(copy + 15 * stride));
            Transpose(ref m0, ref m1, ref m2, ref m3, ref m4, ref m5, ref m6, ref m7,
                ref m8, ref m9, ref m10, ref m11, ref m12, ref m13, ref m14, ref m15);
            m[0] = m0; m[1] = m1; m[2] = m2; m[3] = m3; m[4] = m4; m[5] = m5; m[6] = m6; m[7] = m7; m[8] = m8; m[9] = m9; m[10] = m10; m[11] = m11; m[12] = m12; m[13] = m13; m[14] = m14; m[15] = m15;
            return;
        }
        LaneScratch.CopyBlocks(block, copy, stride, 16);
        LoadTransposed(block, stride, m);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTransposed(byte* output, Vector512<uint> h0, Vector512<uint> h1, Vector512<uint> h2, Vector512<uint> h3,
        Vector512<uint> h4, Vector512<uint> h5, Vector512<uint> h6, Vector512<uint> h7)
    {
        if (Avx2.IsSupported && BitConverter.IsLittleEndian)
        {
            // Lanes 0-7 and 8-15 are each an 8x8 transpose of the 256-bit halves: the 8-lane kernel's shuffles.
            Lanes8.StoreTransposed(output, h0.GetLower(), h1.GetLower(), h2.GetLower(), h3.GetLower(),
                h4.GetLower(), h5.GetLower(), h6.GetLower(), h7.GetLower());
            Lanes8.StoreTransposed(output + 8 * Blake3Constants.OutLen, h0.GetUpper(), h1.GetUpper(), h2.GetUpper(), h3.GetUpper(),
                h4.GetUpper(), h5.GetUpper(), h6.GetUpper(), h7.GetUpper());
            return;
        }
        // The portable path: a scratch transpose.
        uint* t = stackalloc uint[8 * 16];
        h0.Store(t); h1.Store(t + 16); h2.Store(t + 32); h3.Store(t + 48); h4.Store(t + 64); h5.Store(t + 80); h6.Store(t + 96); h7.Store(t + 112);
        LaneScratch.Scatter(t, 16, output);
    }
}
