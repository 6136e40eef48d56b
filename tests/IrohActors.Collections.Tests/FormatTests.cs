using System.Buffers.Binary;
using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Collections.Tests;

/// <summary>The byte layout of docs/collections.md, with expected bytes written out from the document.</summary>
public class FormatTests
{
    private static byte[] Header(long count, long linksOffset, long linksLength, params (long Offset, long Length)[] levels)
    {
        var h = new byte[40 + 16 * levels.Length];
        Encoding.ASCII.GetBytes("IrohColl").CopyTo(h, 0);
        h[8] = 1;
        h[9] = (byte)levels.Length;
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(16), count);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(24), linksOffset);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(32), linksLength);
        for (int i = 0; i < levels.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(40 + 16 * i), levels[i].Offset);
            BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(48 + 16 * i), levels[i].Length);
        }
        return h;
    }

    [Fact]
    public async Task EmptyCollectionIsJustTheHeader()
    {
        var bytes = await TestLinks.BuildAsync([]);
        Assert.Equal(Header(0, 40, 0), bytes);
        var reader = await TestLinks.OpenAsync(bytes);
        Assert.Equal(0, reader.Count);
        Assert.Null(await reader.GetAsync(""));
        Assert.Empty(await TestLinks.ToListAsync(reader.EnumerateAsync()));
    }

    [Fact]
    public async Task TinyCollectionMatchesTheDocumentedLayout()
    {
        var ha = TestLinks.HashOf("a content");
        var hb = TestLinks.HashOf("b content");
        // Given out of order: the builder sorts.
        var bytes = await TestLinks.BuildAsync([new Link("b/x", hb), new Link("a", ha)]);

        var expected = new List<byte>(Header(2, 40, (1 + 1 + 32) + (1 + 3 + 32)));
        expected.Add(1);
        expected.AddRange("a"u8.ToArray());
        expected.AddRange(ha.ToArray());
        expected.Add(3);
        expected.AddRange("b/x"u8.ToArray());
        expected.AddRange(hb.ToArray());
        Assert.Equal(expected.ToArray(), bytes);
    }

    [Fact]
    public async Task TheCollectionHashIsTheBlake3OfItsBytes()
    {
        var links = TestLinks.RandomLinks(new Random(1), 500, 20, arbitraryBytes: true);
        var output = new MemoryStream();
        var info = await CollectionBuilder.BuildAsync(links, output);
        var bytes = output.ToArray();
        Assert.Equal(Hasher.Hash(bytes), info.Hash);
        Assert.Equal(bytes.Length, info.Size);
        Assert.Equal(500, info.Count);
        Assert.Equal(new Cid(CidCodec.Collection, info.Hash), info.Cid);
    }

    [Fact]
    public async Task SameSetGivesSameBytesWhateverTheOrderAndMemoryBudget()
    {
        var rng = new Random(5);
        var links = TestLinks.RandomLinks(rng, 3000, 30, arbitraryBytes: false);
        var reference = await TestLinks.BuildAsync(links);
        var shuffled = links.OrderBy(_ => rng.Next()).ToList();
        string temp = TestLinks.TempDir("determinism");
        try
        {
            var spilled = await TestLinks.BuildAsync(shuffled, new CollectionBuilderOptions { MemoryBudget = 4096, TempDirectory = temp });
            Assert.Equal(reference, spilled);
            Assert.Equal(reference, await TestLinks.BuildAsync(Enumerable.Reverse(links)));
            Assert.Empty(Directory.GetFiles(temp));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public async Task LinkNamesAreSortedBytewiseNotAsText()
    {
        // 0xff sorts after every ASCII byte; "B" (0x42) before "a" (0x61); a prefix before its extensions.
        byte[][] names = [[0xff], "a"u8.ToArray(), "B"u8.ToArray(), "ab"u8.ToArray(), [0x61, 0x00], []];
        var bytes = await TestLinks.BuildAsync(names.Select((n, i) => new Link(n, TestLinks.HashOf(i))));
        var reader = await TestLinks.OpenAsync(bytes);
        var listed = (await TestLinks.ToListAsync(reader.EnumerateAsync())).Select(l => Convert.ToHexString(l.Name.Span)).ToList();
        Assert.Equal(["", "42", "61", "6100", "6162", "FF"], listed);
    }

    [Fact]
    public async Task IndexDepthGrowsLogarithmically()
    {
        var oneBlock = await TestLinks.OpenAsync(await TestLinks.BuildAsync(Enumerable.Range(0, 50).Select(i => new Link($"f{i:D4}", TestLinks.HashOf(i)))));
        Assert.Equal(0, oneBlock.IndexLevels);
        var twoLevels = await TestLinks.OpenAsync(await TestLinks.BuildAsync(Enumerable.Range(0, 20_000).Select(i => new Link($"dir/sub/file-{i:D8}", TestLinks.HashOf(i)))));
        Assert.Equal(2, twoLevels.IndexLevels);
    }
}
