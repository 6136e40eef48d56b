namespace IrohActors.Bao.Tests;

public class RangesTests
{
    private const int Universe = 40;

    [Theory]
    // bao-tree rec.rs truncate_ranges doc examples, size 7 chunks
    [InlineData("0..6", "0..6")]
    [InlineData("0..7", "0..")]
    [InlineData("0..10, 11..12", "0..")]
    [InlineData("0..6, 7..10", "0..")]
    [InlineData("3..6, 7..10", "3..")]
    [InlineData("0..5, 7..10", "0..5, 7..")]
    public void Truncation_follows_bao_tree_examples(string input, string expected)
    {
        Assert.Equal(expected, ChunkRanges.Parse(input).Truncate(7 * 1024).ToString());
    }

    [Fact]
    public void A_request_past_the_end_yields_the_last_chunk()
    {
        var tree = new BaoTree(7 * 1024, BlockSize.Zero);
        foreach (var r in new[] { ChunkRanges.LastChunk, ChunkRanges.From(100), ChunkRanges.Range(50, 60) })
        {
            var leaves = ResponseWalk.Collect(tree, r).Where(i => i.Kind == BaoChunkKind.Leaf).ToList();
            Assert.Equal(6UL, Assert.Single(leaves).StartChunk.Value);
        }
    }

    [Fact]
    public void Set_operations_match_a_bitmap()
    {
        var rng = new Random(2);
        for (var iter = 0; iter < 2000; iter++)
        {
            var (a, abits) = RandomSet(rng);
            var (b, bbits) = RandomSet(rng);
            AssertSame(a | b, abits.Zip(bbits, (x, y) => x | y).ToArray());
            AssertSame(a & b, abits.Zip(bbits, (x, y) => x & y).ToArray());
            AssertSame(a - b, abits.Zip(bbits, (x, y) => x & !y).ToArray());
            AssertSame(a.SymmetricExcept(b), abits.Zip(bbits, (x, y) => x ^ y).ToArray());
            Assert.Equal(abits.Zip(bbits).All(p => !p.First || p.Second), a.IsSubsetOf(b));
            Assert.Equal(a, ChunkRanges.Parse(a.ToString() == "∅" ? "" : a.ToString()));
            var s = (ulong)rng.Next(Universe);
            var e = (ulong)rng.Next(Universe + 2);
            if (e == Universe + 1)
                e = ulong.MaxValue;
            var last = e == ulong.MaxValue ? Universe : (int)e - 1;
            var slice = Enumerable.Range((int)s, Math.Max(0, last - (int)s + 1)).ToArray();
            if (slice.Length > 0)
            {
                Assert.Equal(slice.Any(i => abits[i]), a.Intersects(s, e));
                Assert.Equal(slice.All(i => abits[i]), a.Covers(s, e));
            }
        }
    }

    [Fact]
    public void Byte_ranges_round_out_to_chunks()
    {
        Assert.Equal(ChunkRanges.Range(0, 1), ChunkRanges.Bytes(0, 1));
        Assert.Equal(ChunkRanges.Range(0, 2), ChunkRanges.Bytes(1023, 1025));
        Assert.Equal(ChunkRanges.Range(1, 2), ChunkRanges.Bytes(1024, 2048));
        Assert.Equal(ChunkRanges.From(2), ChunkRanges.BytesFrom(2049));
        Assert.True(ChunkRanges.Bytes(5, 5).IsEmpty);
    }

    [Fact]
    public void Group_rounding_widens_or_shrinks()
    {
        var bs = BlockSize.FromChunkLog(4);
        Assert.Equal("0..32", ChunkRanges.Range(3, 17).RoundUpToGroups(bs).ToString());
        Assert.Equal("16..", ChunkRanges.From(20).RoundUpToGroups(bs).ToString());
        Assert.Equal("16..32", ChunkRanges.Range(3, 33).FullGroups(bs).ToString());
        Assert.True(ChunkRanges.Range(3, 17).FullGroups(bs).IsEmpty);
        Assert.Equal("32..", ChunkRanges.From(17).FullGroups(bs).ToString());
        Assert.Equal("0..48", (ChunkRanges.Range(0, 5) | ChunkRanges.Range(20, 40)).RoundUpToGroups(bs).ToString());
    }

    [Fact]
    public void Parse_errors_name_the_offset()
    {
        var ex = Assert.Throws<FormatException>(() => ChunkRanges.Parse("0..5, x..9"));
        Assert.Contains("offset 5", ex.Message);
    }

    private static (ChunkRanges, bool[]) RandomSet(Random rng)
    {
        var bits = new bool[Universe + 1];
        var set = ChunkRanges.Empty;
        var n = rng.Next(0, 4);
        for (var i = 0; i < n; i++)
        {
            var s = rng.Next(Universe);
            if (rng.Next(6) == 0)
            {
                set |= ChunkRanges.From((ulong)s);
                for (var j = s; j <= Universe; j++)
                    bits[j] = true;
            }
            else
            {
                var e = rng.Next(s, Universe);
                set |= ChunkRanges.Range((ulong)s, (ulong)e);
                for (var j = s; j < e; j++)
                    bits[j] = true;
            }
        }
        return (set, bits);
    }

    private static void AssertSame(ChunkRanges set, bool[] bits)
    {
        for (var i = 0; i <= Universe; i++)
            Assert.Equal(bits[i], set.Contains((ulong)i));
        var b = set.Boundaries;
        for (var i = 1; i < b.Length; i++)
            Assert.True(b[i] > b[i - 1]);
        // The bitmap's last cell stands for everything past it: open-ended iff set there.
        Assert.Equal(bits[Universe], set.IsOpenEnded);
    }
}
