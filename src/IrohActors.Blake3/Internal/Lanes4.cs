using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IrohActors.Blake3.Internal;

/// <summary>4-way word-sliced kernel on Vector128 (SSE4.1: <c>blake3_hash4_sse41</c>); lane j is input j.</summary>
internal static unsafe partial class Lanes4
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot16(Vector128<uint> x)
    {
        if (Avx512F.VL.IsSupported)
            return Avx512F.VL.RotateRight(x, 16);
        if (Ssse3.IsSupported)
            return Ssse3.Shuffle(x.AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();
        return Vector128.ShiftRightLogical(x, 16) | Vector128.ShiftLeft(x, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot8(Vector128<uint> x)
    {
        if (Avx512F.VL.IsSupported)
            return Avx512F.VL.RotateRight(x, 8);
        if (Ssse3.IsSupported)
            return Ssse3.Shuffle(x.AsByte(), Vector128.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();
        return Vector128.ShiftRightLogical(x, 8) | Vector128.ShiftLeft(x, 24);
    }

    /// <summary>The pshufb masks for rotations by 16 and 8, stored where the kernel can use them as memory operands.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InitRotationMasks(Vector128<uint>* masks)
    {
        masks[0] = Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13).AsUInt32();
        masks[1] = Vector128.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot16(Vector128<uint> x, Vector128<uint>* masks) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 16)
        : Ssse3.IsSupported ? Ssse3.Shuffle(x.AsByte(), masks[0].AsByte()).AsUInt32()
        : Rot16(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot8(Vector128<uint> x, Vector128<uint>* masks) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 8)
        : Ssse3.IsSupported ? Ssse3.Shuffle(x.AsByte(), masks[1].AsByte()).AsUInt32()
        : Rot8(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot12(Vector128<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 12) : Vector128.ShiftRightLogical(x, 12) | Vector128.ShiftLeft(x, 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rot7(Vector128<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 7) : Vector128.ShiftRightLogical(x, 7) | Vector128.ShiftLeft(x, 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CounterVectors(ulong counter, bool increment, out Vector128<uint> low, out Vector128<uint> high)
    {
        uint* lo = stackalloc uint[4];
        uint* hi = stackalloc uint[4];
        for (int j = 0; j < 4; j++)
        {
            ulong c = counter + (increment ? (ulong)j : 0);
            lo[j] = (uint)c;
            hi[j] = (uint)(c >> 32);
        }
        low = Vector128.Load(lo);
        high = Vector128.Load(hi);
    }

    /// <summary>4x4 transpose of 32-bit words (unpack 32, then unpack 64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        var ab01 = Sse2.UnpackLow(a, b).AsUInt64();
        var ab23 = Sse2.UnpackHigh(a, b).AsUInt64();
        var cd01 = Sse2.UnpackLow(c, d).AsUInt64();
        var cd23 = Sse2.UnpackHigh(c, d).AsUInt64();
        a = Sse2.UnpackLow(ab01, cd01).AsUInt32();
        b = Sse2.UnpackHigh(ab01, cd01).AsUInt32();
        c = Sse2.UnpackLow(ab23, cd23).AsUInt32();
        d = Sse2.UnpackHigh(ab23, cd23).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTransposed(byte* block, nint stride, Vector128<uint>* m)
    {
        if (Sse2.IsSupported && BitConverter.IsLittleEndian)
        {
            byte* p0 = block, p1 = block + stride, p2 = block + 2 * stride, p3 = block + 3 * stride;
            var m0 = Vector128.Load((uint*)p0); var m1 = Vector128.Load((uint*)p1); var m2 = Vector128.Load((uint*)p2); var m3 = Vector128.Load((uint*)p3);
            var m4 = Vector128.Load((uint*)(p0 + 16)); var m5 = Vector128.Load((uint*)(p1 + 16)); var m6 = Vector128.Load((uint*)(p2 + 16)); var m7 = Vector128.Load((uint*)(p3 + 16));
            var m8 = Vector128.Load((uint*)(p0 + 32)); var m9 = Vector128.Load((uint*)(p1 + 32)); var m10 = Vector128.Load((uint*)(p2 + 32)); var m11 = Vector128.Load((uint*)(p3 + 32));
            var m12 = Vector128.Load((uint*)(p0 + 48)); var m13 = Vector128.Load((uint*)(p1 + 48)); var m14 = Vector128.Load((uint*)(p2 + 48)); var m15 = Vector128.Load((uint*)(p3 + 48));
            Transpose(ref m0, ref m1, ref m2, ref m3);
            Transpose(ref m4, ref m5, ref m6, ref m7);
            Transpose(ref m8, ref m9, ref m10, ref m11);
            Transpose(ref m12, ref m13, ref m14, ref m15);
            m[0] = m0; m[1] = m1; m[2] = m2; m[3] = m3; m[4] = m4; m[5] = m5; m[6] = m6; m[7] = m7; m[8] = m8; m[9] = m9; m[10] = m10; m[11] = m11; m[12] = m12; m[13] = m13; m[14] = m14; m[15] = m15; 
            return;
        }
        uint* t = stackalloc uint[16 * 4];
        LaneScratch.Gather(block, stride, 4, t);
        for (int k = 0; k < 16; k++)
            m[k] = Vector128.Load(t + k * 4);
    }

    /// <summary><see cref="LoadTransposed"/> that also stores each loaded 16 bytes to the same offset at <paramref name="copy"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTransposedCopy(byte* block, byte* copy, nint stride, Vector128<uint>* m)
    {
        if (Sse2.IsSupported && BitConverter.IsLittleEndian)
        {
            byte* p0 = block, p1 = block + stride, p2 = block + 2 * stride, p3 = block + 3 * stride;
            byte* c0 = copy, c1 = copy + stride, c2 = copy + 2 * stride, c3 = copy + 3 * stride;
            var m0 = Vector128.Load((uint*)p0); var m1 = Vector128.Load((uint*)p1); var m2 = Vector128.Load((uint*)p2); var m3 = Vector128.Load((uint*)p3);
            var m4 = Vector128.Load((uint*)(p0 + 16)); var m5 = Vector128.Load((uint*)(p1 + 16)); var m6 = Vector128.Load((uint*)(p2 + 16)); var m7 = Vector128.Load((uint*)(p3 + 16));
            var m8 = Vector128.Load((uint*)(p0 + 32)); var m9 = Vector128.Load((uint*)(p1 + 32)); var m10 = Vector128.Load((uint*)(p2 + 32)); var m11 = Vector128.Load((uint*)(p3 + 32));
            var m12 = Vector128.Load((uint*)(p0 + 48)); var m13 = Vector128.Load((uint*)(p1 + 48)); var m14 = Vector128.Load((uint*)(p2 + 48)); var m15 = Vector128.Load((uint*)(p3 + 48));
            m0.Store((uint*)c0); m1.Store((uint*)c1); m2.Store((uint*)c2); m3.Store((uint*)c3);
            m4.Store((uint*)(c0 + 16)); m5.Store((uint*)(c1 + 16)); m6.Store((uint*)(c2 + 16)); m7.Store((uint*)(c3 + 16));
            m8.Store((uint*)(c0 + 32)); m9.Store((uint*)(c1 + 32)); m10.Store((uint*)(c2 + 32)); m11.Store((uint*)(c3 + 32));
            m12.Store((uint*)(c0 + 48)); m13.Store((uint*)(c1 + 48)); m14.Store((uint*)(c2 + 48)); m15.Store((uint*)(c3 + 48));
            Transpose(ref m0, ref m1, ref m2, ref m3);
            Transpose(ref m4, ref m5, ref m6, ref m7);
            Transpose(ref m8, ref m9, ref m10, ref m11);
            Transpose(ref m12, ref m13, ref m14, ref m15);
            m[0] = m0; m[1] = m1; m[2] = m2; m[3] = m3; m[4] = m4; m[5] = m5; m[6] = m6; m[7] = m7; m[8] = m8; m[9] = m9; m[10] = m10; m[11] = m11; m[12] = m12; m[13] = m13; m[14] = m14; m[15] = m15;
            return;
        }
        LaneScratch.CopyBlocks(block, copy, stride, 4);
        LoadTransposed(block, stride, m);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTransposed(byte* output, Vector128<uint> h0, Vector128<uint> h1, Vector128<uint> h2, Vector128<uint> h3,
        Vector128<uint> h4, Vector128<uint> h5, Vector128<uint> h6, Vector128<uint> h7)
    {
        if (Sse2.IsSupported && BitConverter.IsLittleEndian)
        {
            Transpose(ref h0, ref h1, ref h2, ref h3);
            Transpose(ref h4, ref h5, ref h6, ref h7);
            h0.Store((uint*)output); h4.Store((uint*)(output + 16));
            h1.Store((uint*)(output + 32)); h5.Store((uint*)(output + 48));
            h2.Store((uint*)(output + 64)); h6.Store((uint*)(output + 80));
            h3.Store((uint*)(output + 96)); h7.Store((uint*)(output + 112));
            return;
        }
        uint* t = stackalloc uint[8 * 4];
        h0.Store(t); h1.Store(t + 4); h2.Store(t + 8); h3.Store(t + 12); h4.Store(t + 16); h5.Store(t + 20); h6.Store(t + 24); h7.Store(t + 28);
        LaneScratch.Scatter(t, 4, output);
    }
}
