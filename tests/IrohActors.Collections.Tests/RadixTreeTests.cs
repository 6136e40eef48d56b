using System.Runtime.CompilerServices;
using IrohActors.Collections.Index;

namespace IrohActors.Collections.Tests;

/// <summary>
/// The radix tree held to a model: a <see cref="SortedDictionary{TKey,TValue}"/> ordered by the framework's bytewise
/// span comparison, under random inserts and removes of random byte names.
/// </summary>
public sealed class RadixTreeTests
{
    private sealed class BytewiseComparer : IComparer<byte[]>
    {
        public static readonly BytewiseComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    private static SortedDictionary<byte[], int> NewModel() => new(BytewiseComparer.Instance);

    /// <summary>Names over a tiny alphabet with 0x00 and 0xFF, so they share prefixes and are prefixes of each other.</summary>
    private static byte[] RandomName(Random rng, int maxLength)
    {
        var name = new byte[rng.Next(maxLength + 1)];
        for (int i = 0; i < name.Length; i++)
            name[i] = rng.Next(5) switch { 0 => 0x00, 1 => 0xFF, 2 => (byte)'a', 3 => (byte)'/', _ => (byte)rng.Next(256) };
        return name;
    }

    private static void AssertSame(SortedDictionary<byte[], int> model, RadixTree<int> tree)
    {
        tree.CheckInvariants();
        Assert.Equal(model.Count, tree.Count);
        var expected = model.Select(kv => (Convert.ToHexString(kv.Key), kv.Value)).ToList();
        var actual = tree.Select(kv => (Convert.ToHexString(kv.Key.Span), kv.Value)).ToList();
        Assert.Equal(expected, actual);
    }

    private static List<(string Key, int Value)> ModelPrefix(SortedDictionary<byte[], int> model, byte[] prefix) =>
        model.Where(kv => kv.Key.AsSpan().StartsWith(prefix)).Select(kv => (Convert.ToHexString(kv.Key), kv.Value)).ToList();

    private static List<(string Key, int Value)> TreePrefix(RadixTree<int> tree, byte[] prefix) =>
        tree.EnumeratePrefix(prefix).Select(kv => (Convert.ToHexString(kv.Key.Span), kv.Value)).ToList();

    [Theory]
    [InlineData(1, 6)]
    [InlineData(2, 12)]
    [InlineData(3, 40)]
    public void Random_inserts_and_removes_match_a_sorted_dictionary(int seed, int maxLength)
    {
        var rng = new Random(seed);
        var model = NewModel();
        var tree = new RadixTree<int>();
        var known = new List<byte[]>();
        for (int step = 0; step < 6000; step++)
        {
            // Reuse earlier names often, so removes and overwrites hit existing keys.
            var name = known.Count > 0 && rng.Next(2) == 0 ? known[rng.Next(known.Count)] : RandomName(rng, maxLength);
            known.Add(name);
            switch (rng.Next(10))
            {
                case < 5:
                    {
                        bool added = tree.TryAdd(name, step);
                        Assert.Equal(model.TryAdd(name, step), added);
                        break;
                    }
                case < 6:
                    tree[name] = step;
                    model[name] = step;
                    break;
                case < 9:
                    {
                        bool removed = tree.Remove(name, out int value);
                        Assert.Equal(model.Remove(name, out int expected), removed);
                        if (removed)
                            Assert.Equal(expected, value);
                        break;
                    }
                default:
                    {
                        Assert.Equal(model.TryGetValue(name, out int expected), tree.TryGetValue(name, out int value));
                        Assert.Equal(expected, value);
                        Assert.Equal(model.ContainsKey(name), tree.ContainsKey(name));
                        break;
                    }
            }
            if (step % 500 == 0)
            {
                AssertSame(model, tree);
                var prefix = name.AsSpan(0, rng.Next(name.Length + 1)).ToArray();
                Assert.Equal(ModelPrefix(model, prefix), TreePrefix(tree, prefix));
            }
        }
        AssertSame(model, tree);
        foreach (var name in known.Take(300))
        {
            var prefix = name.AsSpan(0, name.Length / 2).ToArray();
            Assert.Equal(ModelPrefix(model, prefix), TreePrefix(tree, prefix));
            Assert.Equal(ModelPrefix(model, name), TreePrefix(tree, name));
        }

        // Drain everything: the tree must end as an empty root with no garbage labels left counted.
        foreach (var key in model.Keys.ToList())
        {
            Assert.True(tree.Remove(key));
            model.Remove(key);
        }
        AssertSame(model, tree);
        Assert.Equal(1, tree.NodeCount);
        Assert.Equal(0, tree.LabelBytes);
    }

    [Fact]
    public void Empty_name_names_that_are_prefixes_of_others_and_extreme_bytes()
    {
        var tree = new RadixTree<int>();
        var model = NewModel();
        byte[][] names = [[], [0x00], [0x00, 0x00], [0xFF], [0xFF, 0x00], [0xFF, 0xFF, 0xFF], "a"u8.ToArray(), "ab"u8.ToArray(), "abc"u8.ToArray(), "b"u8.ToArray()];
        for (int i = 0; i < names.Length; i++)
        {
            Assert.True(tree.TryAdd(names[i], i));
            model.Add(names[i], i);
        }
        Assert.False(tree.TryAdd([], 99));
        AssertSame(model, tree);
        Assert.Equal(0, tree[[]]);
        Assert.Equal(ModelPrefix(model, [0xFF]), TreePrefix(tree, [0xFF]));
        Assert.Equal(ModelPrefix(model, [0x00]), TreePrefix(tree, [0x00]));
        Assert.Equal(ModelPrefix(model, "ab"u8.ToArray()), TreePrefix(tree, "ab"u8.ToArray()));
        Assert.Empty(TreePrefix(tree, "abd"u8.ToArray()));
        Assert.Empty(TreePrefix(tree, "abcd"u8.ToArray()));
        Assert.Equal(model.Count, TreePrefix(tree, []).Count);

        Assert.True(tree.Remove([]));
        model.Remove([]);
        Assert.False(tree.ContainsKey([]));
        Assert.True(tree.Remove("ab"u8));
        model.Remove("ab"u8.ToArray());
        AssertSame(model, tree);
        Assert.False(tree.Remove("ab"u8));
        Assert.False(tree.Remove("abcd"u8));
        Assert.False(tree.Remove("x"u8));
        AssertSame(model, tree);
    }

    [Fact]
    public void A_prefix_that_ends_inside_an_edge_finds_the_keys_below_it()
    {
        var tree = new RadixTree<int>();
        tree.TryAdd("linux/drivers/net/a.c"u8, 1);
        tree.TryAdd("linux/drivers/net/b.c"u8, 2);
        tree.TryAdd("linux/fs/ext4/inode.c"u8, 3);
        Assert.Equal([1, 2], tree.EnumeratePrefix("linux/dri"u8.ToArray()).Select(kv => kv.Value));
        Assert.Equal("linux/drivers/net/a.c"u8.ToArray(), tree.EnumeratePrefix("linux/d"u8.ToArray()).First().Key.ToArray());
        Assert.Equal([3], tree.EnumeratePrefix("linux/fs/ext4/inode.c"u8.ToArray()).Select(kv => kv.Value));
        Assert.Empty(tree.EnumeratePrefix("linux/dz"u8.ToArray()));
    }

    [Fact]
    public void Prefix_enumeration_is_lazy_and_fails_if_the_tree_changes_meanwhile()
    {
        var tree = new RadixTree<int>();
        for (int i = 0; i < 100; i++)
            tree.TryAdd(System.Text.Encoding.ASCII.GetBytes($"k{i:D3}"), i);
        using var e = tree.EnumeratePrefix("k"u8.ToArray()).GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(0, e.Current.Value);
        tree.TryAdd("k999"u8, 999);
        Assert.Throws<InvalidOperationException>(() => e.MoveNext());
    }

    [Fact]
    public void Value_references_update_in_place_and_a_missing_key_gives_a_null_reference()
    {
        var tree = new RadixTree<int>();
        ref int slot = ref tree.GetValueRefOrAddDefault("x"u8, out bool exists);
        Assert.False(exists);
        slot = 5;
        ref int again = ref tree.GetValueRefOrAddDefault("x"u8, out exists);
        Assert.True(exists);
        again++;
        Assert.Equal(6, tree["x"u8]);
        Assert.True(Unsafe.IsNullRef(ref tree.GetValueRefOrNullRef("y"u8)));
        Assert.True(Unsafe.IsNullRef(ref tree.GetValueRefOrNullRef(""u8)));
        var missing = Assert.Throws<KeyNotFoundException>(() => tree["nope"u8]);
        Assert.Contains("\"nope\"", missing.Message);
    }

    [Fact]
    public void Arena_garbage_is_reclaimed_after_mass_removal()
    {
        var tree = new RadixTree<int>();
        var rng = new Random(7);
        var names = Enumerable.Range(0, 20_000).Select(i => System.Text.Encoding.ASCII.GetBytes($"dir{rng.Next(100)}/file-{i:D6}-{rng.Next():x8}")).ToList();
        foreach (var n in names)
            tree.TryAdd(n, 0);
        long full = tree.ArenaBytes;
        foreach (var n in names.Skip(100))
            Assert.True(tree.Remove(n));
        tree.CheckInvariants();
        Assert.Equal(100, tree.Count);
        Assert.True(tree.ArenaBytes < full / 4, $"arena holds {tree.ArenaBytes} bytes for 100 keys (was {full} for 20,000)");
        Assert.Equal(names.Take(100).Select(Convert.ToHexString).Order(StringComparer.Ordinal),
            tree.Select(kv => Convert.ToHexString(kv.Key.Span)));
    }
}
