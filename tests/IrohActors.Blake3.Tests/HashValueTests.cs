namespace IrohActors.Blake3.Tests;

public class HashValueTests
{
    [Fact]
    public void Empty_is_the_hash_of_nothing()
    {
        Assert.Equal(Hasher.Hash([]), Hash.Empty);
        Assert.Equal(Convert.ToHexStringLower(OfficialVectors.For(0).Hash.AsSpan(0, 32)), Hash.Empty.ToHex());
    }

    [Fact]
    public void Hex_round_trips_and_parse_errors_give_the_offset()
    {
        var h = Hasher.Hash("abc"u8);
        Assert.Equal(h, Hash.Parse(h.ToHex()));
        Assert.Equal(h, Hash.Parse(h.ToHex().ToUpperInvariant()));
        Assert.Equal(h.ToHex(), h.ToString());
        var bad = h.ToHex()[..10] + "g" + h.ToHex()[11..];
        var e = Assert.Throws<FormatException>(() => Hash.Parse(bad));
        Assert.Contains("offset 10", e.Message);
        Assert.Throws<FormatException>(() => Hash.Parse("00"));
        Assert.False(Hash.TryParse(bad, out _));
        Assert.False(Hash.TryParse(null, out _));
        Assert.True(Hash.TryParse(h.ToHex(), out var parsed) && parsed == h);
    }

    [Fact]
    public void Bytes_round_trip_with_value_semantics()
    {
        var h = Hasher.Hash("abc"u8);
        var bytes = h.ToArray();
        Assert.Equal(32, bytes.Length);
        Assert.True(h.AsSpan().SequenceEqual(bytes));
        var copy = Hash.FromBytes(bytes);
        Assert.Equal(h, copy);
        Assert.True(h == copy);
        Assert.Equal(h.GetHashCode(), copy.GetHashCode());
        bytes[0] ^= 1;
        Assert.NotEqual(h, Hash.FromBytes(bytes));
        Assert.Throws<ArgumentException>(() => Hash.FromBytes(new byte[31]));
        Assert.Throws<ArgumentException>(() => h.CopyTo(new byte[31]));
        Assert.Throws<ArgumentException>(() => Hasher.KeyedHash(new byte[31], []));
        Assert.Throws<ArgumentException>(() => Hasher.NewKeyed(new byte[33]));
    }

    [Fact]
    public async Task Stream_updates_match_span_updates()
    {
        var data = new byte[3 * 1024 * 1024 + 123];
        new Random(4).NextBytes(data);
        var expected = Hasher.Hash(data);
        Assert.Equal(expected, Hasher.New().Update(new MemoryStream(data)).Finalize());
        Assert.Equal(expected, (await Hasher.New().UpdateAsync(new MemoryStream(data))).Finalize());
        Assert.Equal(expected, Hasher.New().Update(data.AsSpan(0, 5)).UpdateParallel(data.AsSpan(5), 0).Finalize());
        Assert.Equal(expected, Hasher.Hash(data, 2));
    }
}
