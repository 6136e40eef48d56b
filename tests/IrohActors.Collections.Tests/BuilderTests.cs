using System.Text;

namespace IrohActors.Collections.Tests;

public class BuilderTests
{
    [Fact]
    public async Task DuplicateNamesAreRejectedWithTheName()
    {
        var h = TestLinks.HashOf(1);
        using var builder = new CollectionBuilder();
        builder.Add("docs/readme.md", h);
        builder.Add("src/a.c", h);
        builder.Add("docs/readme.md", TestLinks.HashOf(2));
        var output = new MemoryStream();
        var e = await Assert.ThrowsAsync<DuplicateLinkNameException>(() => builder.WriteToAsync(output));
        Assert.Contains("\"docs/readme.md\"", e.Message);
        Assert.Equal("docs/readme.md"u8.ToArray(), e.Name.ToArray());
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task DuplicatesAreFoundAcrossSpilledRunsAndNamesWithControlBytesAreEscaped()
    {
        string temp = TestLinks.TempDir("dup");
        try
        {
            using var builder = new CollectionBuilder(new CollectionBuilderOptions { MemoryBudget = 1000, TempDirectory = temp });
            for (int i = 0; i < 2000; i++)
                builder.Add($"n{i}", TestLinks.HashOf(i));
            builder.Add(Encoding.UTF8.GetBytes("n17"), TestLinks.HashOf(-1));
            builder.Add([0x01, 0xff, 0x41], TestLinks.HashOf(-2));
            builder.Add([0x01, 0xff, 0x41], TestLinks.HashOf(-3));
            Assert.True(builder.SpilledRuns > 0);
            var e = await Assert.ThrowsAsync<DuplicateLinkNameException>(() => builder.WriteToAsync(Stream.Null));
            // The first duplicate in name order is reported.
            Assert.Contains("\"\\x01\\xffA\"", e.Message);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public async Task TinyBudgetSpillsManyRunsAndMergesInSeveralPasses()
    {
        var rng = new Random(11);
        var links = TestLinks.RandomLinks(rng, 20_000, 24, arbitraryBytes: true);
        string temp = TestLinks.TempDir("spill");
        try
        {
            using var builder = new CollectionBuilder(new CollectionBuilderOptions { MemoryBudget = 2048, TempDirectory = temp });
            builder.AddRange(links);
            var output = new MemoryStream();
            var info = await builder.WriteToAsync(output);
            // 20k links of ~110 accounted bytes in 2 KiB runs: hundreds of runs, so more than one merge pass.
            Assert.True(builder.SpilledRuns > 300, $"only {builder.SpilledRuns} runs spilled");
            Assert.Equal(links.Count, info.Count);

            var reader = await TestLinks.OpenAsync(output.ToArray());
            var listed = await TestLinks.ToListAsync(reader.EnumerateAsync());
            Assert.Equal(TestLinks.Sorted(links), listed);
            builder.Dispose();
            Assert.Empty(Directory.GetFiles(temp));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public async Task BuildsFromAnAsyncStream()
    {
        static async IAsyncEnumerable<Link> Produce()
        {
            for (int i = 0; i < 1000; i++)
            {
                if (i % 100 == 0)
                    await Task.Yield();
                yield return new Link($"item/{999 - i:D3}", TestLinks.HashOf(i));
            }
        }
        var output = new MemoryStream();
        var info = await CollectionBuilder.BuildAsync(Produce(), output);
        Assert.Equal(1000, info.Count);
        var reader = await TestLinks.OpenAsync(output.ToArray());
        Assert.Equal(TestLinks.HashOf(999), await reader.GetAsync("item/000"));
    }

    [Fact]
    public void OverlongNamesAreRejected()
    {
        using var builder = new CollectionBuilder();
        builder.Add(new byte[4096], TestLinks.HashOf(0));
        var e = Assert.Throws<CollectionBuildException>(() => builder.Add(new byte[4097], TestLinks.HashOf(1)));
        Assert.Contains("4097 bytes", e.Message);
    }

    [Fact]
    public async Task WritesToANonSeekableStream()
    {
        var links = TestLinks.RandomLinks(new Random(3), 2000, 16, arbitraryBytes: false);
        var expected = await TestLinks.BuildAsync(links);
        var sink = new ForwardOnlyStream();
        await CollectionBuilder.BuildAsync(links, sink);
        Assert.Equal(expected, sink.Inner.ToArray());
    }

    private sealed class ForwardOnlyStream : Stream
    {
        public MemoryStream Inner { get; } = new();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);
    }
}
