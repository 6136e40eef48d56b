using System.Text;
using IrohActors.Collections;
using IrohActors.Node.Remote;
using IrohActors.Node.Tests.Blobs;
using Xunit.Abstractions;

namespace IrohActors.Node.Tests.Remote;

/// <summary>Count, Get, Prefix and positional access over a remote collection equal the local reader's answers and fetch little.</summary>
public class RemoteCollectionTests(RemoteCollectionFixture fixture, ITestOutputHelper output) : IClassFixture<RemoteCollectionFixture>
{
    /// <summary>The bound on what one lookup may fetch.</summary>
    private const long LookupBudget = 64 * 1024;

    private async Task<(RemoteBlobReader Blob, CollectionReader Collection)> OpenAsync()
    {
        var blob = await fixture.Reader.OpenRemoteBlobAsync(fixture.Ticket.Node, fixture.Ticket.Hash).WaitAsync(TestNodes.Generous);
        var collection = await CollectionReader.OpenAsync(blob).AsTask().WaitAsync(TestNodes.Generous);
        return (blob, collection);
    }

    [Fact]
    public async Task TheCollectionIsBigEnoughToHaveAnIndex()
    {
        Assert.True(fixture.Local.IndexLevels >= 2, $"{fixture.Local.IndexLevels} index levels");
        Assert.True(fixture.Bytes.Length > 1 << 20, $"{fixture.Bytes.Length} bytes");
        var (blob, collection) = await OpenAsync();
        Assert.Equal(fixture.Bytes.Length, blob.Size);
        Assert.Equal(collection.Size, fixture.Local.Size);
    }

    [Fact]
    public async Task CountAndLayoutEqualTheLocalReaders()
    {
        var collection = await fixture.Reader.OpenRemoteCollectionAsync(fixture.Ticket).WaitAsync(TestNodes.Generous);
        Assert.Equal(RemoteCollectionFixture.LinkCount, collection.Count);
        Assert.Equal(fixture.Local.Count, collection.Count);
        Assert.Equal(fixture.Local.IndexLevels, collection.IndexLevels);
        Assert.Equal(fixture.Local.LinksOffset, collection.LinksOffset);
    }

    [Fact]
    public async Task OpeningFetchesTheSizeProofHeaderAndRootOnly()
    {
        var (blob, _) = await OpenAsync();
        output.WriteLine($"open of a {fixture.Bytes.Length}-byte collection: {blob.Requests} requests, {blob.BytesReceived} bytes");
        Assert.True(blob.BytesReceived <= 16 * 1024, $"open fetched {blob.BytesReceived} bytes");
        Assert.True(blob.Requests <= 2, $"open made {blob.Requests} requests");
    }

    [Fact]
    public async Task GetOfPresentNamesEqualsTheLocalReaderAndFetchesLittle()
    {
        var random = new Random(61);
        for (var round = 0; round < 12; round++)
        {
            var name = RemoteCollectionFixture.Name(random.Next(RemoteCollectionFixture.LinkCount));
            var (blob, collection) = await OpenAsync();
            var before = blob.BytesReceived;
            var remote = await collection.GetAsync(name).AsTask().WaitAsync(TestNodes.Generous);
            var fetched = blob.BytesReceived - before;
            output.WriteLine($"Get {name}: {fetched} bytes");
            Assert.Equal(RemoteCollectionFixture.Target(name), remote);
            Assert.Equal(await fixture.Local.GetAsync(name), remote);
            Assert.True(fetched <= LookupBudget, $"looking up {name} fetched {fetched} bytes");
            var found = await collection.FindAsync(Encoding.UTF8.GetBytes(name));
            Assert.Equal(await fixture.Local.FindAsync(Encoding.UTF8.GetBytes(name)), found);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("dir-00/file-000000.txt\0")]
    [InlineData("dir-07/file-000007.tx")]
    [InlineData("dir-13/file-999999.txt")]
    [InlineData("dir-39/file-023999.txu")]
    [InlineData("zzz")]
    public async Task GetOfAbsentNamesIsNullLikeTheLocalReader(string name)
    {
        var (blob, collection) = await OpenAsync();
        var before = blob.BytesReceived;
        Assert.Null(await fixture.Local.GetAsync(name));
        Assert.Null(await collection.GetAsync(name).AsTask().WaitAsync(TestNodes.Generous));
        Assert.True(blob.BytesReceived - before <= LookupBudget, $"looking up {name} fetched {blob.BytesReceived - before} bytes");
    }

    [Fact]
    public async Task APrefixQueryIsLazyTakingThreeStopsEarly()
    {
        // "dir-17/" matches 600 links spread over the whole list; taking three reads one block.
        var (blob, collection) = await OpenAsync();
        var before = blob.BytesReceived;
        var remote = new List<Link>();
        await foreach (var link in collection.PrefixAsync("dir-17/"))
        {
            remote.Add(link);
            if (remote.Count == 3)
                break;
        }
        var fetched = blob.BytesReceived - before;
        output.WriteLine($"first 3 of prefix dir-17/: {fetched} bytes");
        var local = await fixture.Local.PrefixAsync("dir-17/").Take(3).ToListAsync();
        Assert.Equal(local, remote);
        Assert.Equal(RemoteCollectionFixture.Name(17), Encoding.UTF8.GetString(remote[0].Name.Span));
        Assert.True(fetched <= LookupBudget, $"three links of a prefix fetched {fetched} bytes");
    }

    [Fact]
    public async Task AWholePrefixEqualsTheLocalReaders()
    {
        var (_, collection) = await OpenAsync();
        var remote = await collection.PrefixAsync("dir-05/file-0012").ToListAsync().AsTask().WaitAsync(TestNodes.Generous);
        var local = await fixture.Local.PrefixAsync("dir-05/file-0012").ToListAsync();
        Assert.Equal(local, remote);
        Assert.Equal(Enumerable.Range(1200, 100).Where(i => i % RemoteCollectionFixture.Directories == 5).Select(RemoteCollectionFixture.Name), remote.Select(l => Encoding.UTF8.GetString(l.Name.Span)));
        Assert.Empty(await collection.PrefixAsync("dir-05/nothing").ToListAsync());
    }

    [Fact]
    public async Task AccessByPositionAndByteOffsetEqualsTheLocalReaders()
    {
        var random = new Random(62);
        var (blob, collection) = await OpenAsync();
        foreach (var index in new long[] { 0, 1, RemoteCollectionFixture.LinkCount - 1 }.Concat(Enumerable.Range(0, 6).Select(_ => (long)random.Next(RemoteCollectionFixture.LinkCount))))
        {
            var local = await fixture.Local.GetAtAsync(index);
            var before = blob.BytesReceived;
            Assert.Equal(local, await collection.GetAtAsync(index).AsTask().WaitAsync(TestNodes.Generous));
            Assert.True(blob.BytesReceived - before <= LookupBudget, $"link {index} fetched {blob.BytesReceived - before} bytes");
            Assert.Equal(local, await collection.GetAtOffsetAsync(local.Offset).AsTask().WaitAsync(TestNodes.Generous));
        }
        await Assert.ThrowsAsync<ArgumentException>(async () => await collection.GetAtOffsetAsync(fixture.Local.LinksOffset + 1));
    }
}
