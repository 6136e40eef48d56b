using System.Text.Json;
using IrohActors.Blake3;
using IrohActors.TestSupport;

namespace IrohActors.Bao.Tests;

internal static class TestData
{
    private static readonly Lazy<JsonDocument> Vectors = new(() =>
        JsonDocument.Parse(File.ReadAllText(RepoPaths.SharedFile("vectors", "bao_test_vectors.json"))));

    public static JsonElement Section(string name) => Vectors.Value.RootElement.GetProperty(name);

    /// <summary>bao's vector input: a 4-byte little-endian counter starting at 1, truncated.</summary>
    public static byte[] BaoInput(int length)
    {
        var buf = new byte[length];
        for (var i = 0; i < length; i++)
            buf[i] = (byte)(((i / 4) + 1) >> (8 * (i % 4)));
        return buf;
    }

    public static byte[] Random(int length, int seed)
    {
        var buf = new byte[length];
        new Random(seed).NextBytes(buf);
        return buf;
    }

    public static Hash Blake3(ReadOnlySpan<byte> data) => Hasher.Hash(data);

    public static Hash WrongHash(Hash h)
    {
        Span<byte> b = stackalloc byte[32];
        h.CopyTo(b);
        b[0] ^= 1;
        return Hash.FromBytes(b);
    }

    public static byte[] Flip(byte[] data, int offset)
    {
        var copy = (byte[])data.Clone();
        copy[offset] ^= 1;
        return copy;
    }

    /// <summary>Up to 9,300 chunks of ranges with gaps and odd ends (they make an encoder's read-ahead guess wrong now and then).</summary>
    public static ChunkRanges RandomRanges(Random rng)
    {
        var ranges = ChunkRanges.Empty;
        var at = (ulong)rng.Next(0, 3000);
        while (at < 9300)
        {
            var length = (ulong)rng.Next(1, 5000);
            ranges = ranges.Union(ChunkRanges.Range(at, at + length));
            at += length + (ulong)rng.Next(1, 700);
        }
        return ranges;
    }

    /// <summary>Takes items until the encoder fails; the failure and the leaf bytes delivered before it.</summary>
    public static (BaoVerificationException Failure, byte[] Delivered) EncodeUntilFailure(RangeEncoder encoder)
    {
        var delivered = new MemoryStream();
        var failure = Assert.Throws<BaoVerificationException>(() =>
        {
            while (encoder.TryNext(out var item))
                if (item.Chunk.Kind == BaoChunkKind.Leaf)
                    delivered.Write(item.Bytes.Span);
        });
        return (failure, delivered.ToArray());
    }
}
