using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store;

namespace IrohActors.Store.Tests;

/// <summary>Deterministic data and helpers that encode/decode through the bao layer (independent of the store).</summary>
internal static class TestData
{
    public static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The verified stream of <paramref name="ranges"/> of <paramref name="data"/>, built from an outboard computed here.</summary>
    public static (Hash Root, BaoTree Tree, byte[] Encoded) Encode(byte[] data, ChunkRanges ranges, BlockSize? blockSize = null)
    {
        var outboard = PreOrderOutboard.Create(data, blockSize ?? BlockSize.Default);
        using var encoder = new RangeEncoder(data, outboard, ranges);
        var output = new MemoryStream();
        encoder.WriteTo(output);
        return (outboard.Root, outboard.Tree, output.ToArray());
    }

    /// <summary>Decodes what a store reader produced, checking it against <paramref name="root"/>, and returns the data leaves (offset, bytes).</summary>
    public static List<(ulong Offset, byte[] Bytes)> Decode(Hash root, BaoTree tree, ChunkRanges ranges, byte[] encoded)
    {
        using var decoder = new ResponseDecoder(root, tree, ranges, new MemoryStream(encoded));
        var leaves = new List<(ulong, byte[])>();
        while (decoder.TryNext(out var item))
            if (!item.IsParent)
                leaves.Add((item.Offset, item.Bytes.ToArray()));
        return leaves;
    }

    public static async Task<byte[]> ReadAllAsync(IBlobStore store, Hash hash)
    {
        using var reader = await store.OpenReaderAsync(hash, ChunkRanges.All);
        var output = new MemoryStream();
        await reader.CopyDataToAsync(output);
        return output.ToArray();
    }

    /// <summary>Writes the ranges of <paramref name="data"/> into the store through decoder and writer, as a download would.</summary>
    public static async Task WriteRangesAsync(IBlobStore store, byte[] data, ChunkRanges ranges)
    {
        var (root, tree, encoded) = Encode(data, ranges, store.BlockSize);
        await using var writer = await store.OpenWriterAsync(root, tree);
        using var decoder = new ResponseDecoder(root, tree, ranges, new MemoryStream(encoded), "test peer");
        await writer.WriteAllAsync(decoder);
    }

    public static string TempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"store-tests-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
