using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Collections.Tests;

/// <summary>Builders of test inputs and a reference model (a sorted list) to hold the reader to.</summary>
internal static class TestLinks
{
    public static Hash HashOf(string text) => Hasher.Hash(Encoding.UTF8.GetBytes(text));

    public static Hash HashOf(long i) => Hasher.Hash(BitConverter.GetBytes(i));

    /// <summary>Distinct random names of 0..maxLength bytes over a small alphabet (so prefixes are shared).</summary>
    public static List<Link> RandomLinks(Random rng, int count, int maxLength, bool arbitraryBytes)
    {
        var seen = new HashSet<string>();
        var links = new List<Link>(count);
        while (links.Count < count)
        {
            var name = new byte[rng.Next(maxLength + 1)];
            for (int i = 0; i < name.Length; i++)
                name[i] = arbitraryBytes ? (byte)rng.Next(256) : (byte)"ab/c\0\xff"[rng.Next(6)];
            if (seen.Add(Convert.ToHexString(name)))
                links.Add(new Link(name, HashOf(links.Count)));
        }
        return links;
    }

    /// <summary>Bytewise sort, done here with the framework's comparer on spans (not the library's).</summary>
    public static List<Link> Sorted(IEnumerable<Link> links)
    {
        var list = links.ToList();
        list.Sort((a, b) => a.Name.Span.SequenceCompareTo(b.Name.Span));
        return list;
    }

    public static async Task<byte[]> BuildAsync(IEnumerable<Link> links, CollectionBuilderOptions? options = null)
    {
        var output = new MemoryStream();
        await CollectionBuilder.BuildAsync(links, output, options);
        return output.ToArray();
    }

    public static async Task<CollectionReader> OpenAsync(byte[] bytes) =>
        await CollectionReader.OpenAsync(new MemoryBlobReader(bytes));

    public static async Task<List<Link>> ToListAsync(IAsyncEnumerable<Link> links)
    {
        var list = new List<Link>();
        await foreach (var link in links)
            list.Add(link);
        return list;
    }

    public static string TempDir(string tag)
    {
        string path = Path.Combine(Path.GetTempPath(), $"collections-{tag}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
