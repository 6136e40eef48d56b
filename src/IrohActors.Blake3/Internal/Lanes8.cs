using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IrohActors.Blake3.Internal;

/// <summary>8-way word-sliced kernel on Vector256 (AVX2: <c>blake3_hash8_avx2</c>); lane j is input j.</summary>
internal static unsafe partial class Lanes8
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rot16(Vector256<uint> x)
    {
        if (Avx512F.VL.IsSupported)
            return Avx512F.VL.RotateRight(x, 16);
        if (Avx2.IsSupported)
            return Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();
        return Vector256.ShiftRightLogical(x, 16) | Vector256.ShiftLeft(x, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rot8(Vector256<uint> x)
    {
        if (Avx512F.VL.IsSupported)
            return Avx512F.VL.RotateRight(x, 8);
        if (Avx2.IsSupported)
            return Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();
        return Vector256.ShiftRightLogical(x, 8) | Vector256.ShiftLeft(x, 24);
    }

    /// <summary>The vpshufb masks for rotations by 16 and 8, stored where the kernel can use them as memory operands.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InitRotationMasks(Vector256<uint>* masks)
    {
        masks[0] = Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
            2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13).AsUInt32();
        masks[1] = Vector256.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
            1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rot16(Vector256<uint> x, Vector256<uint>* masks) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 16)
        : Avx2.IsSupported ? Avx2.Shuffle(x.AsByte(), masks[0].AsByte()).AsUInt32()
        : Rot16(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rot8(Vector256<uint> x, Vector256<uint>* masks) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 8)
        : Avx2.IsSupported ? Avx2.Shuffle(x.AsByte(), masks[1].AsByte()).AsUInt32()
        : Rot8(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rot12(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 12) : Vector256.ShiftRightLogical(x, 12) | Vector256.ShiftLeft(x, 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rot7(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 7) : Vector256.ShiftRightLogical(x, 7) | Vector256.ShiftLeft(x, 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CounterVectors(ulong counter, bool increment, out Vector256<uint> low, out Vector256<uint> high)
    {
        uint* lo = stackalloc uint[8];
        uint* hi = stackalloc uint[8];
        for (int j = 0; j < 8; j++)
        {
            ulong c = counter + (increment ? (ulong)j : 0);
            lo[j] = (uint)c;
            hi[j] = (uint)(c >> 32);
        }
        low = Vector256.Load(lo);
        high = Vector256.Load(hi);
    }

    /// <summary>8x8 transpose of 32-bit words: in vector i, lane j becomes out vector j, lane i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d,
        ref Vector256<uint> e, ref Vector256<uint> f, ref Vector256<uint> g, ref Vector256<uint> h)
    {
        // unpack 32 → lanes (0,1,4,5)/(2,3,6,7) interleaved; unpack 64 → one word of four inputs per 128-bit half;
        // permute2x128 joins the halves (transpose_vecs in c/blake3_avx2.c).
        var ab0145 = Avx2.UnpackLow(a, b); var ab2367 = Avx2.UnpackHigh(a, b);
        var cd0145 = Avx2.UnpackLow(c, d); var cd2367 = Avx2.UnpackHigh(c, d);
        var ef0145 = Avx2.UnpackLow(e, f); var ef2367 = Avx2.UnpackHigh(e, f);
        var gh0145 = Avx2.UnpackLow(g, h); var gh2367 = Avx2.UnpackHigh(g, h);
        var abcd04 = Avx2.UnpackLow(ab0145.AsUInt64(), cd0145.AsUInt64()).AsUInt32();
        var abcd15 = Avx2.UnpackHigh(ab0145.AsUInt64(), cd0145.AsUInt64()).AsUInt32();
        var abcd26 = Avx2.UnpackLow(ab2367.AsUInt64(), cd2367.AsUInt64()).AsUInt32();
        var abcd37 = Avx2.UnpackHigh(ab2367.AsUInt64(), cd2367.AsUInt64()).AsUInt32();
        var efgh04 = Avx2.UnpackLow(ef0145.AsUInt64(), gh0145.AsUInt64()).AsUInt32();
        var efgh15 = Avx2.UnpackHigh(ef0145.AsUInt64(), gh0145.AsUInt64()).AsUInt32();
        var efgh26 = Avx2.UnpackLow(ef2367.AsUInt64(), gh2367.AsUInt64()).AsUInt32();
        var efgh37 = Avx2.UnpackHigh(ef2367.AsUInt64(), gh2367.AsUInt64()).AsUInt32();
        a = Avx2.Permute2x128(abcd04, efgh04, 0x20);
        b = Avx2.Permute2x128(abcd15, efgh15, 0x20);
        c = Avx2.Permute2x128(abcd26, efgh26, 0x20);
        d = Avx2.Permute2x128(abcd37, efgh37, 0x20);
        e = Avx2.Permute2x128(abcd04, efgh04, 0x31);
        f = Avx2.Permute2x128(abcd15, efgh15, 0x31);
        g = Avx2.Permute2x128(abcd26, efgh26, 0x31);
        h = Avx2.Permute2x128(abcd37, efgh37, 0x31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTransposed(byte* block, nint stride, Vector256<uint>* m)
    {
        if (Avx2.IsSupported && BitConverter.IsLittleEndian)
        {
            if (Sse.IsSupported)
            {
                // Eight streams 1 KiB apart: ask for each lane's next blocks early (the native kernels prefetch too).
                for (int j = 0; j < 8; j++)
                    Sse.Prefetch0(block + j * stride + 256);
            }
            // Like the native assembly: 16-byte loads (never split across cache lines when the input is 16-byte
            // aligned) put lanes j and j+4 in the two halves, so a 4x4 transpose inside each half is enough.
            for (int q = 0; q < 4; q++)
            {
                byte* p = block + 16 * q;
                var a = Avx2.InsertVector128(Vector128.Load((uint*)p).ToVector256Unsafe(), Vector128.Load((uint*)(p + 4 * stride)), 1);
                var b = Avx2.InsertVector128(Vector128.Load((uint*)(p + stride)).ToVector256Unsafe(), Vector128.Load((uint*)(p + 5 * stride)), 1);
                var c = Avx2.InsertVector128(Vector128.Load((uint*)(p + 2 * stride)).ToVector256Unsafe(), Vector128.Load((uint*)(p + 6 * stride)), 1);
                var d = Avx2.InsertVector128(Vector128.Load((uint*)(p + 3 * stride)).ToVector256Unsafe(), Vector128.Load((uint*)(p + 7 * stride)), 1);
                var ab01 = Avx2.UnpackLow(a, b).AsUInt64();
                var ab23 = Avx2.UnpackHigh(a, b).AsUInt64();
                var cd01 = Avx2.UnpackLow(c, d).AsUInt64();
                var cd23 = Avx2.UnpackHigh(c, d).AsUInt64();
                m[4 * q] = Avx2.UnpackLow(ab01, cd01).AsUInt32();
                m[4 * q + 1] = Avx2.UnpackHigh(ab01, cd01).AsUInt32();
                m[4 * q + 2] = Avx2.UnpackLow(ab23, cd23).AsUInt32();
                m[4 * q + 3] = Avx2.UnpackHigh(ab23, cd23).AsUInt32();
            }
            return;
        }
        uint* t = stackalloc uint[16 * 8];
        LaneScratch.Gather(block, stride, 8, t);
        for (int k = 0; k < 16; k++)
            m[k] = Vector256.Load(t + k * 8);
    }

    /// <summary><see cref="LoadTransposed"/> that also stores each loaded 16 bytes to the same offset at <paramref name="copy"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTransposedCopy(byte* block, byte* copy, nint stride, Vector256<uint>* m)
    {
        if (Avx2.IsSupported && BitConverter.IsLittleEndian)
        {
            if (Sse.IsSupported)
            {
                for (int j = 0; j < 8; j++)
                    Sse.Prefetch0(block + j * stride + 256);
            }
            for (int q = 0; q < 4; q++)
            {
                byte* p = block + 16 * q;
                byte* c = copy + 16 * q;
                var l0 = Vector128.Load((uint*)p); var l4 = Vector128.Load((uint*)(p + 4 * stride));
                var l1 = Vector128.Load((uint*)(p + stride)); var l5 = Vector128.Load((uint*)(p + 5 * stride));
                var l2 = Vector128.Load((uint*)(p + 2 * stride)); var l6 = Vector128.Load((uint*)(p + 6 * stride));
                var l3 = Vector128.Load((uint*)(p + 3 * stride)); var l7 = Vector128.Load((uint*)(p + 7 * stride));
                l0.Store((uint*)c); l4.Store((uint*)(c + 4 * stride));
                l1.Store((uint*)(c + stride)); l5.Store((uint*)(c + 5 * stride));
                l2.Store((uint*)(c + 2 * stride)); l6.Store((uint*)(c + 6 * stride));
                l3.Store((uint*)(c + 3 * stride)); l7.Store((uint*)(c + 7 * stride));
                var a = Avx2.InsertVector128(l0.ToVector256Unsafe(), l4, 1);
                var b = Avx2.InsertVector128(l1.ToVector256Unsafe(), l5, 1);
                var cc = Avx2.InsertVector128(l2.ToVector256Unsafe(), l6, 1);
                var d = Avx2.InsertVector128(l3.ToVector256Unsafe(), l7, 1);
                var ab01 = Avx2.UnpackLow(a, b).AsUInt64();
                var ab23 = Avx2.UnpackHigh(a, b).AsUInt64();
                var cd01 = Avx2.UnpackLow(cc, d).AsUInt64();
                var cd23 = Avx2.UnpackHigh(cc, d).AsUInt64();
                m[4 * q] = Avx2.UnpackLow(ab01, cd01).AsUInt32();
                m[4 * q + 1] = Avx2.UnpackHigh(ab01, cd01).AsUInt32();
                m[4 * q + 2] = Avx2.UnpackLow(ab23, cd23).AsUInt32();
                m[4 * q + 3] = Avx2.UnpackHigh(ab23, cd23).AsUInt32();
            }
            return;
        }
        LaneScratch.CopyBlocks(block, copy, stride, 8);
        LoadTransposed(block, stride, m);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreTransposed(byte* output, Vector256<uint> h0, Vector256<uint> h1, Vector256<uint> h2, Vector256<uint> h3,
        Vector256<uint> h4, Vector256<uint> h5, Vector256<uint> h6, Vector256<uint> h7)
    {
        if (Avx2.IsSupported && BitConverter.IsLittleEndian)
        {
            Transpose(ref h0, ref h1, ref h2, ref h3, ref h4, ref h5, ref h6, ref h7);
            h0.Store((uint*)output); h1.Store((uint*)(output + 32)); h2.Store((uint*)(output + 64)); h3.Store((uint*)(output + 96));
            h4.Store((uint*)(output + 128)); h5.Store((uint*)(output + 160)); h6.Store((uint*)(output + 192)); h7.Store((uint*)(output + 224));
            return;
        }
        uint* t = stackalloc uint[8 * 8];
        h0.Store(t); h1.Store(t + 8); h2.Store(t + 16); h3.Store(t + 24); h4.Store(t + 32); h5.Store(t + 40); h6.Store(t + 48); h7.Store(t + 56);
        LaneScratch.Scatter(t, 8, output);
    }
}
