using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IrohActors.Blake3.Internal;

/// <summary>Which compression kernel hashes many inputs at once; each width falls back to the narrower ones for leftovers.</summary>
internal enum Implementation
{
    /// <summary>One block at a time (degree 1).</summary>
    Scalar = 1,

    /// <summary>4 inputs in Vector128 lanes.</summary>
    Lanes4 = 4,

    /// <summary>8 inputs in Vector256 lanes.</summary>
    Lanes8 = 8,

    /// <summary>16 inputs in Vector512 lanes.</summary>
    Lanes16 = 16,
}

/// <summary>Detects the widest kernel the CPU accelerates.</summary>
internal static class Implementations
{
    /// <summary>The kernel used by the public API: the widest one with hardware support.</summary>
    public static readonly Implementation Best = Detect();

    /// <summary>How many inputs one call of the widest kernel takes ("simd degree" in the native code).</summary>
    public static int Degree(this Implementation implementation) => (int)implementation;

    /// <summary>Every kernel, for tests. The lane kernels run without hardware support too (slowly, in software vectors).</summary>
    public static readonly Implementation[] All = [Implementation.Scalar, Implementation.Lanes4, Implementation.Lanes8, Implementation.Lanes16];

    /// <summary>True when the kernel runs on SIMD hardware here (not emulated).</summary>
    public static bool IsAccelerated(Implementation implementation) => implementation switch
    {
        Implementation.Lanes16 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        Implementation.Lanes8 => Vector256.IsHardwareAccelerated && Avx2.IsSupported,
        Implementation.Lanes4 => Vector128.IsHardwareAccelerated && Sse41.IsSupported,
        _ => true,
    };

    private static Implementation Detect()
    {
        var forced = Environment.GetEnvironmentVariable("IROH_BLAKE3_IMPL");
        if (!string.IsNullOrEmpty(forced) && Enum.TryParse<Implementation>(forced, ignoreCase: true, out var chosen))
            return chosen;
        foreach (var candidate in (ReadOnlySpan<Implementation>)[Implementation.Lanes16, Implementation.Lanes8, Implementation.Lanes4])
            if (IsAccelerated(candidate) && AgreesWithScalar(candidate))
                return candidate;
        return Implementation.Scalar;
    }

    /// <summary>
    /// A wide kernel is trusted only after it reproduces the scalar kernel on a fixed input: whole chunks whose
    /// counters cross 2^32, and parent blocks. The hosts this was developed on lack AVX-512, so the 16-lane
    /// hardware path could only be checked in software there; a CPU-specific fault must never yield wrong hashes,
    /// it must only cost speed (the next narrower kernel is used instead).
    /// </summary>
    internal static unsafe bool AgreesWithScalar(Implementation candidate)
    {
        const int count = 16;
        var input = new byte[count * Blake3Constants.ChunkLen];
        for (var i = 0; i < input.Length; i++)
            input[i] = (byte)((i * 31) ^ (i >> 7));
        var wide = new byte[count * Blake3Constants.OutLen];
        var scalar = new byte[count * Blake3Constants.OutLen];
        var key = Blake3Constants.IV;
        uint* keyWords = (uint*)&key;
        fixed (byte* pInput = input)
        fixed (byte* pWide = wide)
        fixed (byte* pScalar = scalar)
        {
            const ulong counter = uint.MaxValue - 7;
            const int chunkBlocks = Blake3Constants.ChunkLen / Blake3Constants.BlockLen;
            HashMany.Run(candidate, pInput, count, chunkBlocks, keyWords, counter, true, 0,
                Blake3Constants.ChunkStart, Blake3Constants.ChunkEnd, pWide);
            HashMany.Run(Implementation.Scalar, pInput, count, chunkBlocks, keyWords, counter, true, 0,
                Blake3Constants.ChunkStart, Blake3Constants.ChunkEnd, pScalar);
            if (!wide.AsSpan().SequenceEqual(scalar))
                return false;
            HashMany.Run(candidate, pInput, count, 1, keyWords, 0, false, Blake3Constants.Parent, 0, 0, pWide);
            HashMany.Run(Implementation.Scalar, pInput, count, 1, keyWords, 0, false, Blake3Constants.Parent, 0, 0, pScalar);
            return wide.AsSpan().SequenceEqual(scalar);
        }
    }
}
