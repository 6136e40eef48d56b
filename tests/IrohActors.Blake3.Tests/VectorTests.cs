using IrohActors.Blake3.Internal;

namespace IrohActors.Blake3.Tests;

/// <summary>Every official vector, every mode, every kernel: one-shot, incremental, full XOF and XOF from every offset.</summary>
public class VectorTests
{
    public static TheoryData<int> Lengths() => OfficialVectors.Lengths();

    [Fact]
    public void The_vector_file_has_35_cases()
    {
        Assert.Equal(35, OfficialVectors.All.Cases.Count);
        Assert.Equal(32, OfficialVectors.All.Key.Length);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Public_api_matches_all_three_modes(int length)
    {
        var c = OfficialVectors.For(length);
        var input = OfficialVectors.Input(length);
        var key = OfficialVectors.All.Key;
        var context = OfficialVectors.All.Context;

        Assert.Equal(c.Hash[..32], Hasher.Hash(input).ToArray());
        Assert.Equal(c.Hash[..32], Hasher.Hash(input, 0).ToArray());
        Assert.Equal(c.KeyedHash[..32], Hasher.KeyedHash(key, input).ToArray());
        var derived = new byte[131];
        Hasher.DeriveKey(context, input, derived);
        Assert.Equal(c.DeriveKey, derived);
        var derived32 = new byte[32];
        Hasher.DeriveKey(context, input, derived32);
        Assert.Equal(c.DeriveKey[..32], derived32);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Every_kernel_gives_the_full_extended_output_in_every_mode(int length)
    {
        var c = OfficialVectors.For(length);
        var input = OfficialVectors.Input(length);
        foreach (var implementation in Implementations.All)
        {
            var hashers = new[]
            {
                (Hasher.New(implementation), c.Hash, "hash"),
                (Hasher.NewKeyed(implementation, OfficialVectors.All.Key), c.KeyedHash, "keyed_hash"),
                (Hasher.NewDeriveKey(implementation, OfficialVectors.All.Context), c.DeriveKey, "derive_key"),
            };
            foreach (var (hasher, expected, mode) in hashers)
            {
                hasher.Update(input);
                var xof = new byte[131];
                hasher.Finalize(xof);
                Assert.True(expected.AsSpan().SequenceEqual(xof), $"{implementation} {mode} len {length}: 131-byte XOF differs");
                Assert.True(expected.AsSpan(0, 32).SequenceEqual(hasher.Finalize().AsSpan()), $"{implementation} {mode} len {length}: 32-byte hash differs");
            }
            Assert.Equal(c.Hash[..32], Hasher.Hash(implementation, input, 1).ToArray());
            Assert.Equal(c.Hash[..32], Hasher.Hash(implementation, input, 2).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Xof_from_every_offset_is_the_matching_slice(int length)
    {
        var c = OfficialVectors.For(length);
        var hasher = Hasher.NewKeyed(OfficialVectors.All.Key).Update(OfficialVectors.Input(length));
        for (int offset = 0; offset <= 131; offset++)
        {
            var tail = new byte[131 - offset];
            hasher.FinalizeXof((ulong)offset, tail);
            Assert.True(c.KeyedHash.AsSpan(offset).SequenceEqual(tail), $"len {length}: XOF from offset {offset} differs");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Byte_by_byte_updates_match(int length)
    {
        var c = OfficialVectors.For(length);
        var input = OfficialVectors.Input(length);
        var hasher = Hasher.NewDeriveKey(OfficialVectors.All.Context);
        for (int i = 0; i < input.Length; i++)
            hasher.Update(input.AsSpan(i, 1));
        var xof = new byte[131];
        hasher.Finalize(xof);
        Assert.Equal(c.DeriveKey, xof);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Updates_split_at_random_points_match(int length)
    {
        var c = OfficialVectors.For(length);
        var input = OfficialVectors.Input(length);
        var random = new Random(length);
        foreach (var implementation in Implementations.All)
        {
            for (int trial = 0; trial < 8; trial++)
            {
                var hasher = Hasher.New(implementation);
                int at = 0;
                var cuts = new List<int>();
                while (at < input.Length)
                {
                    int take = random.Next(3) switch
                    {
                        0 => random.Next(0, 70),
                        1 => random.Next(0, 2100),
                        _ => random.Next(0, input.Length + 1),
                    };
                    take = Math.Min(take, input.Length - at);
                    hasher.Update(input.AsSpan(at, take));
                    cuts.Add(take);
                    at += take;
                }
                Assert.True(c.Hash.AsSpan(0, 32).SequenceEqual(hasher.Finalize().AsSpan()),
                    $"{implementation} len {length}: splits [{string.Join(",", cuts)}] differ");
                hasher.Reset();
                hasher.Update(input);
                Assert.True(c.Hash.AsSpan(0, 32).SequenceEqual(hasher.Finalize().AsSpan()), $"{implementation} len {length}: after Reset differs");
            }
        }
    }
}
