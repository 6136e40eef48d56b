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
}
