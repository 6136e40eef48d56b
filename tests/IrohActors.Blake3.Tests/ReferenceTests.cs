using IrohActors.Blake3.Internal;
using IrohActors.Blake3.Reference;

namespace IrohActors.Blake3.Tests;

/// <summary>The plain reference implementation against the official vectors, and every fast path against it.</summary>
public class ReferenceTests
{
    public static TheoryData<int> Lengths() => OfficialVectors.Lengths();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Reference_matches_the_official_vectors(int length)
    {
        var c = OfficialVectors.For(length);
        var input = OfficialVectors.Input(length);
        foreach (var (hasher, expected) in new[]
                 {
                     (ReferenceHasher.New(), c.Hash),
                     (ReferenceHasher.NewKeyed(OfficialVectors.All.Key), c.KeyedHash),
                     (ReferenceHasher.NewDeriveKey(OfficialVectors.All.Context), c.DeriveKey),
                 })
        {
            hasher.Update(input);
            var output = new byte[131];
            hasher.Finalize(output);
            Assert.Equal(expected, output);
        }
    }

    [Fact]
    public void Every_kernel_matches_the_reference_on_random_sizes_modes_and_splits()
    {
        var random = new Random(31);
        var key = new byte[32];
        random.NextBytes(key);
        for (int trial = 0; trial < 40; trial++)
        {
            int size = trial < 20 ? random.Next(0, 20_000) : random.Next(0, 600_000);
            var input = new byte[size];
            random.NextBytes(input);
            int mode = trial % 3;
            var reference = mode switch { 0 => ReferenceHasher.New(), 1 => ReferenceHasher.NewKeyed(key), _ => ReferenceHasher.NewDeriveKey("ctx") };
            reference.Update(input);
            var expected = new byte[100];
            reference.Finalize(expected);
            foreach (var kernel in Implementations.All)
            {
                var hasher = mode switch { 0 => Hasher.New(kernel), 1 => Hasher.NewKeyed(kernel, key), _ => Hasher.NewDeriveKey(kernel, "ctx") };
                int at = 0;
                while (at < size)
                {
                    int take = Math.Min(size - at, random.Next(4) == 0 ? random.Next(0, 3000) : random.Next(0, size + 1));
                    hasher.Update(input.AsSpan(at, take));
                    at += take;
                }
                var actual = new byte[100];
                hasher.Finalize(actual);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{kernel} mode {mode}, {size} bytes differs from the reference");
            }
        }
    }
}
