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
        if (IsAccelerated(Implementation.Lanes16))
            return Implementation.Lanes16;
        if (IsAccelerated(Implementation.Lanes8))
            return Implementation.Lanes8;
        if (IsAccelerated(Implementation.Lanes4))
            return Implementation.Lanes4;
        return Implementation.Scalar;
    }
}
