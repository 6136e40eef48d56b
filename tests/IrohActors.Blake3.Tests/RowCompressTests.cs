using IrohActors.Blake3.Internal;

namespace IrohActors.Blake3.Tests;

/// <summary>The row-wise single-block compression against the plain scalar one.</summary>
public unsafe class RowCompressTests
{
    [Fact]
    public void Rows_match_scalar_on_random_blocks()
    {
        if (!RowCompress.IsSupported)
            return;
        var random = new Random(12);
        var block = new byte[64];
        var cvBytes = new byte[32];
        for (int trial = 0; trial < 2000; trial++)
        {
            random.NextBytes(block);
            random.NextBytes(cvBytes);
            ulong counter = (ulong)random.NextInt64();
            uint blockLen = (uint)random.Next(0, 65), flags = (uint)random.Next(0, 128);
            var a = CvWords.FromBytes(cvBytes);
            var b = a;
            var xofA = new byte[64];
            var xofB = new byte[64];
            fixed (byte* p = block, xa = xofA, xb = xofB)
            {
                Portable.CompressInPlaceScalar((uint*)&a, p, blockLen, counter, flags);
                RowCompress.CompressInPlace((uint*)&b, p, blockLen, counter, flags);
                var c = CvWords.FromBytes(cvBytes);
                Portable.CompressXofScalar((uint*)&c, p, blockLen, counter, flags, xa);
                RowCompress.CompressXof((uint*)&c, p, blockLen, counter, flags, xb);
            }
            for (int i = 0; i < 8; i++)
                Assert.Equal(a[i], b[i]);
            Assert.Equal(xofA, xofB);
        }
    }
}
