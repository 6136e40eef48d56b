using IrohActors.Blake3.Internal;

namespace IrohActors.Blake3.Tests;

/// <summary>Every lane kernel forced on and held to the scalar kernel (the reference), directly and through the tree code.</summary>
public unsafe class KernelTests
{
    public static TheoryData<int> Kernels() => new((int)Implementation.Lanes4, (int)Implementation.Lanes8, (int)Implementation.Lanes16);

    /// <summary>Sizes around a block (64), a chunk (1024) and power-of-two numbers of chunks.</summary>
    private static IEnumerable<int> BoundarySizes(Random random)
    {
        foreach (int b in new[] { 0, 1, 63, 64, 65, 127, 128, 129, 1023, 1024, 1025, 2047, 2048, 2049 })
            yield return b;
        for (int p = 1; p <= 8; p++)
        {
            int boundary = (1 << p) * 1024;
            foreach (int delta in new[] { -1025, -1024, -65, -64, -1, 0, 1, 64, 1024, 1025 })
                yield return boundary + delta;
            yield return boundary + random.Next(-2048, 2048);
        }
        for (int i = 0; i < 10; i++)
            yield return random.Next(0, 300 * 1024);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Hash_many_matches_scalar_for_chunks_and_parents(int lanes)
    {
        var kernel = (Implementation)lanes;
        var random = new Random(7 + (int)kernel);
        var key = stackalloc uint[8];
        for (int i = 0; i < 8; i++)
            key[i] = (uint)random.Next();
        foreach (int blocks in new[] { 1, 16 })
        {
            // counters just below 2^32 check the carry into the high counter word in every lane
            foreach (ulong counter in new ulong[] { 0, 5, uint.MaxValue - 3, (1UL << 40) + 17 })
            {
                for (int count = 0; count <= 37; count++)
                {
                    var input = new byte[count * blocks * 64];
                    random.NextBytes(input);
                    var expected = new byte[count * 32];
                    var actual = new byte[count * 32];
                    bool increment = blocks == 16;
                    uint flags = blocks == 16 ? 0u : Blake3Constants.Parent, start = blocks == 16 ? Blake3Constants.ChunkStart : 0, end = blocks == 16 ? Blake3Constants.ChunkEnd : 0;
                    fixed (byte* pin = input, pe = expected, pa = actual)
                    {
                        HashMany.Run(Implementation.Scalar, pin, count, blocks, key, counter, increment, flags, start, end, pe);
                        HashMany.Run(kernel, pin, count, blocks, key, counter, increment, flags, start, end, pa);
                    }
                    Assert.True(expected.AsSpan().SequenceEqual(actual), $"{kernel}: {count} inputs of {blocks} blocks at counter {counter} differ");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Whole_hashes_match_scalar_around_block_chunk_and_power_of_two_sizes(int lanes)
    {
        var kernel = (Implementation)lanes;
        var random = new Random(11 + (int)kernel);
        var key = new byte[32];
        random.NextBytes(key);
        foreach (int size in BoundarySizes(random))
        {
            var input = new byte[size];
            random.NextBytes(input);
            Assert.True(Hasher.Hash(Implementation.Scalar, input, 1) == Hasher.Hash(kernel, input, 1), $"{kernel}: hash of {size} bytes differs");
            Assert.True(Hasher.Hash(Implementation.Scalar, input, 1) == Hasher.Hash(kernel, input, 3), $"{kernel}: 3-thread hash of {size} bytes differs");
            var scalarKeyed = Hasher.NewKeyed(Implementation.Scalar, key).Update(input).Finalize();
            var lanesKeyed = Hasher.NewKeyed(kernel, key);
            int at = 0;
            while (at < size)
            {
                int take = Math.Min(size - at, random.Next(0, 3) == 0 ? random.Next(0, 100) : random.Next(0, 40000));
                lanesKeyed.Update(input.AsSpan(at, take));
                at += take;
            }
            Assert.True(scalarKeyed == lanesKeyed.Finalize(), $"{kernel}: keyed incremental hash of {size} bytes differs");
        }
    }

    [Fact]
    public void Avx512_transpose_is_a_transpose_when_the_cpu_has_it()
    {
        // Without AVX-512 the 16-lane kernel runs on software vectors (checked above); its shuffle transpose needs the hardware.
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            return;
        var words = new uint[256];
        for (int i = 0; i < 256; i++)
            words[i] = (uint)i;
        fixed (uint* w = words)
        {
            var v = new System.Runtime.Intrinsics.Vector512<uint>[16];
            for (int i = 0; i < 16; i++)
                v[i] = System.Runtime.Intrinsics.Vector512.Load(w + 16 * i);
            Lanes16.Transpose(ref v[0], ref v[1], ref v[2], ref v[3], ref v[4], ref v[5], ref v[6], ref v[7],
                ref v[8], ref v[9], ref v[10], ref v[11], ref v[12], ref v[13], ref v[14], ref v[15]);
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 16; j++)
                    Assert.Equal((uint)(16 * j + i), v[i][j]);
        }
    }

    [Fact]
    public void The_best_kernel_is_accelerated_here()
    {
        Assert.True(Implementations.IsAccelerated(Implementations.Best));
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void The_start_up_self_check_accepts_every_kernel_that_agrees_with_scalar(int lanes)
    {
        // Detection trusts a wide kernel only if this check passes; a kernel that agrees must never be refused.
        Assert.True(Implementations.AgreesWithScalar((Implementation)lanes));
    }

    [Fact]
    public void The_kernel_in_use_is_accelerated_here_and_passed_the_self_check()
    {
        var best = Implementations.Best;
        Assert.True(Implementations.IsAccelerated(best), $"{best} is not accelerated on this CPU");
        Assert.True(best == Implementation.Scalar || Implementations.AgreesWithScalar(best));
    }
}
