using Xunit.Abstractions;

namespace IrohActors.Collections.Tests;

/// <summary>One collection of a million links in a temp file, built once for the tests that share it.</summary>
public sealed class MillionLinkCollection : IAsyncLifetime
{
    public const int Count = 1_000_000;
    private string _dir = "";
    private string _path = "";

    public string Path => _path;

    public static string NameOf(int i) => $"src/module-{i % 997:D3}/file-{i:D7}.c";

    public async Task InitializeAsync()
    {
        _dir = TestLinks.TempDir("large");
        _path = System.IO.Path.Combine(_dir, "million.coll");
        await using var file = File.Create(_path);
        var info = await CollectionBuilder.BuildAsync(
            Enumerable.Range(0, Count).Select(i => new Link(NameOf(i), TestLinks.HashOf(i))),
            file,
            new CollectionBuilderOptions { MemoryBudget = 16 << 20, TempDirectory = _dir });
        Assert.Equal(Count, info.Count);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>A million links in a file: lookups read a few small ranges, never the whole blob.</summary>
public sealed class LargeCollectionTests(MillionLinkCollection collection, ITestOutputHelper output) : IClassFixture<MillionLinkCollection>
{
    private const int Count = MillionLinkCollection.Count;
    private readonly string _path = collection.Path;

    private static string NameOf(int i) => MillionLinkCollection.NameOf(i);

    [Fact]
    public async Task LookupsReadAtMost64KiB()
    {
        using var file = new FileBlobReader(_path);
        var counting = new CountingBlobReader(file);
        var reader = await CollectionReader.OpenAsync(counting);
        Assert.Equal(Count, reader.Count);
        Assert.True(reader.IndexLevels >= 2, $"{reader.IndexLevels} index levels");
        long open = counting.BytesRead;

        var rng = new Random(99);
        long worst = 0;
        for (int k = 0; k < 50; k++)
        {
            int i = rng.Next(Count);
            counting.Reset();
            Assert.Equal(TestLinks.HashOf(i), await reader.GetAsync(NameOf(i)));
            worst = Math.Max(worst, counting.BytesRead);
            Assert.True(counting.Reads <= reader.IndexLevels + 1, $"{counting.Reads} reads for one lookup");
        }
        counting.Reset();
        Assert.Null(await reader.GetAsync("src/module-500/file-missing.c"));
        worst = Math.Max(worst, counting.BytesRead);

        output.WriteLine($"open: {open} bytes; worst lookup: {worst} bytes; collection: {reader.Size} bytes, {reader.IndexLevels} index levels");
        Assert.True(open + worst <= 64 * 1024, $"open read {open} bytes, a lookup up to {worst}, of a {reader.Size}-byte collection");
        Assert.True(reader.Size > 50L << 20);
    }

    [Fact]
    public async Task PrefixQueryReadsOnlyAroundItsRange()
    {
        using var file = new FileBlobReader(_path);
        var counting = new CountingBlobReader(file);
        var reader = await CollectionReader.OpenAsync(counting);
        counting.Reset();
        // "src/module-123/file-012" matches the ~10 files 0120xx.. with i % 997 == 123.
        var expected = Enumerable.Range(0, Count).Select(NameOf).Where(n => n.StartsWith("src/module-123/file-012", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var got = await TestLinks.ToListAsync(reader.PrefixAsync("src/module-123/file-012"));
        Assert.Equal(expected, got.Select(l => System.Text.Encoding.UTF8.GetString(l.Name.Span)));
        Assert.True(counting.BytesRead <= 64 * 1024, $"prefix query read {counting.BytesRead} bytes");

        counting.Reset();
        var middle = await reader.GetAtAsync(Count / 2);
        Assert.Equal(middle, await reader.GetAtOffsetAsync(middle.Offset));
        Assert.True(counting.BytesRead <= 64 * 1024, $"positional access read {counting.BytesRead} bytes");
    }
}
