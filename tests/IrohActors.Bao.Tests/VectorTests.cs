using IrohActors.Blake3;

namespace IrohActors.Bao.Tests;

/// <summary>Every section of bao's test_vectors.json, checked as vectors/README.md §2 describes.</summary>
public class VectorTests
{
    public static TheoryData<int> Sizes()
    {
        var data = new TheoryData<int>();
        foreach (var c in TestData.Section("hash").EnumerateArray())
            data.Add(c.GetProperty("input_len").GetInt32());
        return data;
    }

    private static System.Text.Json.JsonElement Case(string section, int n) =>
        TestData.Section(section).EnumerateArray().Single(c => c.GetProperty("input_len").GetInt32() == n);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Hash_is_plain_blake3_at_every_chunk_log(int n)
    {
        var expected = Hash.Parse(Case("hash", n).GetProperty("bao_hash").GetString()!);
        var input = TestData.BaoInput(n);
        for (var k = 0; k <= 4; k++)
            Assert.Equal(expected, PreOrderOutboard.Create(input, BlockSize.FromChunkLog(k)).Root);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Encode_matches_and_decodes_and_every_corruption_fails(int n)
    {
        var c = Case("encode", n);
        var input = TestData.BaoInput(n);
        var encoded = BaoFormat.Encode(input, out var hash);
        Assert.Equal(Hash.Parse(c.GetProperty("bao_hash").GetString()!), hash);
        Assert.Equal(c.GetProperty("output_len").GetInt32(), encoded.Length);
        Assert.Equal(Hash.Parse(c.GetProperty("encoded_blake3").GetString()!), TestData.Blake3(encoded));
        Assert.Equal(input, BaoFormat.Decode(encoded, hash));
        Assert.ThrowsAny<Exception>(() => BaoFormat.Decode(encoded, TestData.WrongHash(hash)));
        foreach (var offset in c.GetProperty("corruptions").EnumerateArray())
        {
            var bad = TestData.Flip(encoded, offset.GetInt32());
            var ex = Assert.ThrowsAny<Exception>(() => BaoFormat.Decode(bad, hash));
            Assert.True(ex is BaoVerificationException or EndOfStreamException, $"offset {offset}: {ex}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Outboard_matches_and_decodes_and_every_corruption_fails(int n)
    {
        var c = Case("outboard", n);
        var input = TestData.BaoInput(n);
        var outboard = BaoFormat.Outboard(input, out var hash);
        Assert.Equal(Hash.Parse(c.GetProperty("bao_hash").GetString()!), hash);
        Assert.Equal(c.GetProperty("output_len").GetInt32(), outboard.Length);
        Assert.Equal(Hash.Parse(c.GetProperty("encoded_blake3").GetString()!), TestData.Blake3(outboard));
        Assert.Equal(input, DecodeOutboard(input, outboard, hash));
        Assert.Throws<BaoVerificationException>(() => DecodeOutboard(input, outboard, TestData.WrongHash(hash)));
        foreach (var offset in c.GetProperty("outboard_corruptions").EnumerateArray())
            Assert.Throws<BaoVerificationException>(() => DecodeOutboard(input, TestData.Flip(outboard, offset.GetInt32()), hash));
        foreach (var offset in c.GetProperty("input_corruptions").EnumerateArray())
        {
            var ex = Assert.Throws<BaoVerificationException>(() => DecodeOutboard(TestData.Flip(input, offset.GetInt32()), outboard, hash));
            Assert.Equal(BaoFailure.Mismatch, ex.Failure);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Seek_reads_the_input_from_every_offset_in_both_modes(int n)
    {
        var input = TestData.BaoInput(n);
        var encoded = BaoFormat.Encode(input, out var hash);
        var outboard = BaoFormat.Outboard(input, out _);
        var offsets = Case("seek", n).GetProperty("seek_offsets").EnumerateArray().Select(o => o.GetInt32()).ToArray();
        Func<BaoReader>[] modes =
        [
            () => BaoReader.OverEncoding(new MemoryStream(encoded), hash),
            () => BaoReader.OverOutboard(new MemoryStream(input), new MemoryStream(outboard), hash),
        ];
        foreach (var mode in modes)
        {
            foreach (var offset in offsets)
            {
                using var reader = mode();
                reader.Seek(offset, SeekOrigin.Begin);
                var rest = new MemoryStream();
                reader.CopyTo(rest);
                Assert.Equal(input[Math.Min(offset, n)..], rest.ToArray());
            }
            using var seq = mode();
            var order = offsets.Concat(offsets.Reverse())
                .Concat(Enumerable.Range(0, offsets.Length).Select(i => i % 2 == 0 ? offsets[i / 2] : offsets[offsets.Length - 1 - i / 2]));
            foreach (var offset in order)
            {
                seq.Seek(offset, SeekOrigin.Begin);
                var want = Math.Min(100, n - Math.Min(offset, n));
                var buf = new byte[want];
                seq.ReadExactly(buf);
                Assert.Equal(input.AsSpan(Math.Min(offset, n), want).ToArray(), buf);
            }
        }
    }

    [Fact]
    public void Seeking_past_the_end_verifies_the_final_chunk()
    {
        var input = TestData.BaoInput(13312);
        var encoded = BaoFormat.Encode(input, out var hash);
        var bad = TestData.Flip(encoded, encoded.Length - 1);
        using var reader = BaoReader.OverEncoding(new MemoryStream(bad), hash);
        Assert.Throws<BaoVerificationException>(() => reader.Seek(20000, SeekOrigin.Begin));
        using var reader2 = BaoReader.OverEncoding(new MemoryStream(bad), hash);
        Assert.Throws<BaoVerificationException>(() => reader2.Length);
        var emptyEncoded = BaoFormat.Encode(Array.Empty<byte>(), out var emptyHash);
        using var empty = BaoReader.OverEncoding(new MemoryStream(emptyEncoded), TestData.WrongHash(emptyHash));
        Assert.Throws<BaoVerificationException>(() => empty.Read(new byte[1]));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Slices_match_decode_and_every_corruption_fails(int n)
    {
        var c = Case("slice", n);
        var input = TestData.BaoInput(n);
        var encoded = BaoFormat.Encode(input, out var hash);
        var outboard = BaoFormat.Outboard(input, out _);
        Assert.Equal(Hash.Parse(c.GetProperty("bao_hash").GetString()!), hash);
        foreach (var s in c.GetProperty("slices").EnumerateArray())
        {
            var start = s.GetProperty("start").GetUInt64();
            var len = s.GetProperty("len").GetUInt64();
            var fromEncoded = new MemoryStream();
            BaoFormat.Slice(new MemoryStream(encoded), start, len, fromEncoded);
            var fromOutboard = new MemoryStream();
            BaoFormat.Slice(new MemoryStream(input), new MemoryStream(outboard), start, len, fromOutboard);
            var slice = fromEncoded.ToArray();
            Assert.Equal(slice, fromOutboard.ToArray());
            Assert.Equal(s.GetProperty("output_len").GetInt32(), slice.Length);
            Assert.Equal(Hash.Parse(s.GetProperty("output_blake3").GetString()!), TestData.Blake3(slice));
            var from = (int)Math.Min(start, (ulong)n);
            var expected = input[from..(int)Math.Min((ulong)n, (ulong)from + len)];
            Assert.Equal(expected, BaoFormat.DecodeSlice(slice, hash, start, len));
            Assert.ThrowsAny<Exception>(() => BaoFormat.DecodeSlice(slice, TestData.WrongHash(hash), start, len));
            foreach (var offset in s.GetProperty("corruptions").EnumerateArray())
            {
                var ex = Assert.ThrowsAny<Exception>(() => BaoFormat.DecodeSlice(TestData.Flip(slice, offset.GetInt32()), hash, start, len));
                Assert.True(ex is BaoVerificationException or EndOfStreamException, $"start {start} len {len} offset {offset}: {ex}");
            }
        }
    }

    private static byte[] DecodeOutboard(byte[] input, byte[] outboard, Hash hash)
    {
        var output = new MemoryStream();
        BaoFormat.DecodeOutboardAsync(new MemoryStream(input), new MemoryStream(outboard), hash, output).GetAwaiter().GetResult();
        return output.ToArray();
    }
}
