using System.Text;

namespace IrohActors.Collections.Tests;

/// <summary>The reader against a sorted list of the same links (the model), on random sets of many shapes.</summary>
public class ReaderTests
{
    public static TheoryData<int, int, bool> Shapes => new()
    {
        { 1, 5, true },
        { 2, 5, false },
        { 60, 3, false },
        { 1000, 12, true },
        { 30_000, 20, false },
        { 3000, 300, true }, // long names: few links per block, deeper index
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task QueriesAgreeWithTheSortedModel(int count, int maxLength, bool arbitraryBytes)
    {
        var rng = new Random(count * 31 + maxLength);
        var model = TestLinks.Sorted(TestLinks.RandomLinks(rng, count, maxLength, arbitraryBytes));
        var bytes = await TestLinks.BuildAsync(model.OrderBy(_ => rng.Next()));
        var reader = await TestLinks.OpenAsync(bytes);
        Assert.Equal(count, reader.Count);
        Assert.Equal(bytes.Length, reader.Size);

        var all = new List<PositionedLink>();
        await foreach (var p in reader.PrefixWithPositionsAsync(ReadOnlyMemory<byte>.Empty))
            all.Add(p);
        Assert.Equal(model, all.Select(p => p.Link));
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), all.Select(p => p.Index));

        foreach (var i in Sample(rng, count, 200))
        {
            Assert.Equal(model[i].Hash, await reader.GetAsync(model[i].Name));
            var found = await reader.FindAsync(model[i].Name);
            Assert.Equal(all[i], found);
            Assert.Equal(all[i], await reader.GetAtAsync(i));
            Assert.Equal(all[i], await reader.GetAtOffsetAsync(all[i].Offset));
        }

        var names = model.Select(l => Convert.ToHexString(l.Name.Span)).ToHashSet();
        for (int i = 0; i < 200; i++)
        {
            var absent = new byte[rng.Next(maxLength + 2)];
            rng.NextBytes(absent);
            if (!names.Contains(Convert.ToHexString(absent)))
                Assert.Null(await reader.GetAsync(absent));
        }

        for (int i = 0; i < 100; i++)
        {
            byte[] prefix = i % 2 == 0 && count > 0
                ? model[rng.Next(count)].Name.ToArray() is var n ? n[..rng.Next(n.Length + 1)] : []
                : [.. Enumerable.Range(0, rng.Next(3)).Select(_ => (byte)"ab/c\0\xff"[rng.Next(6)])];
            var expected = model.Where(l => l.Name.Span.StartsWith(prefix)).ToList();
            Assert.Equal(expected, await TestLinks.ToListAsync(reader.PrefixAsync(prefix)));
        }
    }

    [Fact]
    public async Task OffsetsThatAreNotLinkStartsAndIndexesOutOfRangeAreRejected()
    {
        var model = Enumerable.Range(0, 5000).Select(i => new Link($"name-{i:D5}", TestLinks.HashOf(i))).ToList();
        var reader = await TestLinks.OpenAsync(await TestLinks.BuildAsync(model));
        var first = await reader.GetAtAsync(1234);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => reader.GetAtOffsetAsync(first.Offset + 1).AsTask());
        Assert.Contains($"{first.Offset + 1}", e.Message);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.GetAtOffsetAsync(reader.LinksOffset - 1).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.GetAtOffsetAsync(reader.Size).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.GetAtAsync(5000).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.GetAtAsync(-1).AsTask());
    }

    [Fact]
    public async Task PrefixIsLazy()
    {
        var model = Enumerable.Range(0, 100_000).Select(i => new Link($"p/{i:D6}", TestLinks.HashOf(i))).ToList();
        var bytes = await TestLinks.BuildAsync(model);
        var counting = new CountingBlobReader(new MemoryBlobReader(bytes));
        var reader = await CollectionReader.OpenAsync(counting);
        int taken = 0;
        await foreach (var link in reader.PrefixAsync("p/"))
        {
            Assert.Equal(model[taken], link);
            if (++taken == 10)
                break;
        }
        Assert.True(counting.BytesRead < 32 * 1024, $"reading 10 links of a prefix matching all {model.Count} read {counting.BytesRead} bytes");
    }

    [Fact]
    public async Task ReadsFromAFile()
    {
        var model = Enumerable.Range(0, 10_000).Select(i => new Link(Encoding.UTF8.GetBytes($"dir{i % 7}/f{i}"), TestLinks.HashOf(i))).ToList();
        string path = Path.Combine(Path.GetTempPath(), $"collections-file-{Guid.NewGuid():N}.coll");
        try
        {
            await using (var file = File.Create(path))
                await CollectionBuilder.BuildAsync(model, file);
            using var blob = new FileBlobReader(path);
            var reader = await CollectionReader.OpenAsync(blob);
            Assert.Equal(10_000, reader.Count);
            Assert.Equal(TestLinks.HashOf(4242), await reader.GetAsync("dir0/f4242"));
            Assert.Equal(model.Count(l => l.Name.Span.StartsWith("dir3/"u8)), (await TestLinks.ToListAsync(reader.PrefixAsync("dir3/"))).Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IEnumerable<int> Sample(Random rng, int count, int n) =>
        count <= n ? Enumerable.Range(0, count) : Enumerable.Range(0, n).Select(_ => rng.Next(count)).Append(0).Append(count - 1);
}
