using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Getter;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

public class TransferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024)]
    [InlineData(16 * 1024 + 1)]
    [InlineData(3 * 1024 * 1024 + 777)]
    public async Task ASingleBlobArrivesVerifiedAndComplete(int size)
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var data = TestNodes.RandomBytes(size, size);
        using var imported = await provider.Store.ImportBytesAsync(data);
        Assert.Equal(Hasher.Hash(data), imported.Hash);

        var result = await getter.DownloadAsync(provider.CreateTicket(imported.Hash, BlobFormat.Raw)).WaitAsync(TestNodes.Generous);

        var status = await getter.Store.StatusAsync(imported.Hash);
        Assert.Equal(BlobState.Complete, status.State);
        Assert.Equal((ulong)size, status.Size);
        Assert.Equal(data, await TestNodes.ReadAllAsync(getter.Store, imported.Hash));
        Assert.True(result.BytesReceived >= size + 9);
        // Everything present now: a second download asks for nothing.
        var again = await getter.DownloadAsync(provider.CreateTicket(imported.Hash, BlobFormat.Raw)).WaitAsync(TestNodes.Generous);
        Assert.True(again.Requested.IsEmpty);
        Assert.Equal(0, again.BytesReceived);
    }

    [Fact]
    public async Task TheEmptyBlobIsTheBlake3OfNothing()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        using var imported = await provider.Store.ImportBytesAsync(ReadOnlyMemory<byte>.Empty);
        Assert.Equal(Hash.Empty, imported.Hash);
        await getter.DownloadAsync(provider.CreateTicket(Hash.Empty, BlobFormat.Raw)).WaitAsync(TestNodes.Generous);
        var status = await getter.Store.StatusAsync(Hash.Empty);
        Assert.Equal(BlobState.Complete, status.State);
        Assert.Equal(0UL, status.Size);
    }

    [Fact]
    public async Task AMissingBlobIsANotFoundErrorFrame()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var absent = Hasher.Hash("not there"u8);
        var e = await Assert.ThrowsAsync<ProviderErrorException>(() => getter.DownloadAsync(provider.CreateTicket(absent, BlobFormat.Raw)).WaitAsync(TestNodes.Generous));
        Assert.Equal(ErrorCode.NotFound, e.Code);
        Assert.Equal(provider.NodeId, e.Peer);
        Assert.Equal(BlobState.Absent, (await getter.Store.StatusAsync(absent)).State);
    }

    [Fact]
    public async Task ADirectoryTreeWithNestedFoldersAndAnEmptyFileRoundTrips()
    {
        var source = Directory.CreateTempSubdirectory("node-tree-src-").FullName;
        var target = Path.Combine(Path.GetTempPath(), $"node-tree-dst-{Guid.NewGuid():N}");
        try
        {
            var files = new Dictionary<string, byte[]>
            {
                ["a.txt"] = "hello"u8.ToArray(),
                ["empty"] = [],
                ["dir/b.bin"] = TestNodes.RandomBytes(100_000, 1),
                ["dir/sub/deeper/c.bin"] = TestNodes.RandomBytes(40_000, 2),
                ["dir/sub/d.txt"] = "d"u8.ToArray(),
                ["zz/also-empty"] = [],
            };
            foreach (var (name, bytes) in files)
            {
                var path = Path.Combine(source, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, bytes);
            }
            await using var nodes = new TestNodes();
            var provider = await nodes.StartAsync();
            var getter = await nodes.StartAsync();
            var (ticket, content) = await provider.ShareAsync(source);
            Assert.True(content.IsCollection);
            Assert.Equal(files.Count, content.Files);

            var result = await getter.DownloadAsync(ticket).WaitAsync(TestNodes.Generous);
            Assert.True(result.IsCollection);
            // The collection and its distinct blobs (the two empty files share one).
            Assert.Equal(files.Count + 1, result.BlobsReceived);
            var summary = await getter.ExportAsync(ticket.Hash, ticket.Format, target);
            Assert.Equal(files.Count, summary.Files);
            foreach (var (name, bytes) in files)
                Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, name)));
            Assert.Equal(files.Count, Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Count());
            // Exporting again refuses to overwrite.
            await Assert.ThrowsAnyAsync<IOException>(() => getter.ExportAsync(ticket.Hash, ticket.Format, target));
        }
        finally
        {
            Directory.Delete(source, true);
            if (Directory.Exists(target))
                Directory.Delete(target, true);
        }
    }

    [Fact]
    public async Task ASingleSharedFileArrivesUnderItsName()
    {
        var source = Directory.CreateTempSubdirectory("node-file-src-").FullName;
        var target = Path.Combine(Path.GetTempPath(), $"node-file-dst-{Guid.NewGuid():N}");
        try
        {
            var bytes = TestNodes.RandomBytes(70_000, 21);
            File.WriteAllBytes(Path.Combine(source, "report.pdf"), bytes);
            await using var nodes = new TestNodes();
            var provider = await nodes.StartAsync();
            var getter = await nodes.StartAsync();
            var (ticket, content) = await provider.ShareAsync(Path.Combine(source, "report.pdf"));
            Assert.Equal(BlobFormat.HashSeq, ticket.Format);
            Assert.Equal(1, content.Files);
            await getter.DownloadAsync(ticket).WaitAsync(TestNodes.Generous);
            await getter.ExportAsync(ticket.Hash, ticket.Format, target);
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, "report.pdf")));
        }
        finally
        {
            Directory.Delete(source, true);
            if (Directory.Exists(target))
                Directory.Delete(target, true);
        }
    }

    [Fact]
    public async Task AnInterruptedDownloadResumesWithOnlyTheMissingRanges()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getterStore = BlobStores.InMemory(new StoreOptions { WriterFlushBytes = 256 * 1024 });
        var getter = await nodes.StartAsync(store: getterStore);
        var data = TestNodes.RandomBytes(32 * 1024 * 1024, 3);
        using var imported = await provider.Store.ImportBytesAsync(data);
        var ticket = provider.CreateTicket(imported.Hash, BlobFormat.Raw);

        // Cancel once about half arrived: the getter reads, verifies and writes in batches of a few MiB, so the
        // first batches are in the store by then and the rest is not.
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.BytesReceived > 16 * 1024 * 1024)
                cancel.Cancel();
        });
        var connection = await getter.ConnectAsync(ticket.Node);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new BlobGetter(getter.Store, progress).GetBlobAsync(connection, imported.Hash, cancel.Token).WaitAsync(TestNodes.Generous));

        var partial = await getter.Store.StatusAsync(imported.Hash);
        Assert.Equal(BlobState.Partial, partial.State);
        var missing = await getter.Store.MissingAsync(imported.Hash);
        Assert.False(missing.IsEmpty);
        Assert.False(missing.IsAll);
        Assert.True(partial.Ranges.Contains(0));

        var result = await getter.DownloadAsync(ticket).WaitAsync(TestNodes.Generous);
        Assert.Equal(ChunkRangesSeq.Single(missing), result.Requested);
        Assert.True(result.BytesReceived < data.Length, $"resume received {result.BytesReceived} bytes of {data.Length}");
        Assert.Equal(data, await TestNodes.ReadAllAsync(getter.Store, imported.Hash));
    }

    [Fact]
    public async Task AnInterruptedCollectionResumesAskingEachChildForWhatItMisses()
    {
        var source = Directory.CreateTempSubdirectory("node-resume-src-").FullName;
        try
        {
            for (var i = 0; i < 6; i++)
                File.WriteAllBytes(Path.Combine(source, $"f{i}"), TestNodes.RandomBytes(1024 * 1024, 10 + i));
            await using var nodes = new TestNodes();
            var provider = await nodes.StartAsync();
            var getter = await nodes.StartAsync(store: BlobStores.InMemory(new StoreOptions { WriterFlushBytes = 128 * 1024 }));
            var (ticket, _) = await provider.ShareAsync(source);
            using var cancel = new CancellationTokenSource();
            var progress = new SyncProgress(p =>
            {
                if (p.BlobsDone >= 3)
                    cancel.Cancel();
            });
            var connection = await getter.ConnectAsync(ticket.Node);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new BlobGetter(getter.Store, progress).GetCollectionAsync(connection, ticket.Hash, cancel.Token).WaitAsync(TestNodes.Generous));

            var result = await getter.DownloadAsync(ticket).WaitAsync(TestNodes.Generous);
            // The root was complete, so offset 0 asks for nothing and the first children (complete) neither.
            Assert.True(result.Requested[0].IsEmpty);
            Assert.True(result.Requested[1].IsEmpty);
            Assert.True(result.Requested[2].IsEmpty);
            Assert.False(result.Requested.IsInfinite);
            Assert.True(result.BytesReceived < 6 * 1024 * 1024);
            var target = Path.Combine(Path.GetTempPath(), $"node-resume-dst-{Guid.NewGuid():N}");
            try
            {
                await getter.ExportAsync(ticket.Hash, ticket.Format, target);
                for (var i = 0; i < 6; i++)
                    Assert.Equal(File.ReadAllBytes(Path.Combine(source, $"f{i}")), File.ReadAllBytes(Path.Combine(target, $"f{i}")));
            }
            finally
            {
                if (Directory.Exists(target))
                    Directory.Delete(target, true);
            }
        }
        finally
        {
            Directory.Delete(source, true);
        }
    }

    [Fact]
    public async Task ATicketWithAnotherNodeIdFailsWithAMismatch()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var other = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        using var imported = await provider.Store.ImportBytesAsync("x"u8.ToArray());
        var forged = new IrohActors.Node.Tickets.BlobTicket(new NodeAddr(other.NodeId, provider.Address.DirectAddresses), imported.Hash, BlobFormat.Raw);
        var e = await Assert.ThrowsAsync<PeerIdentityMismatchException>(() => getter.DownloadAsync(forged).WaitAsync(TestNodes.Generous));
        Assert.Equal(other.NodeId, e.Expected);
        Assert.Equal(provider.NodeId, e.Actual);
    }

    [Fact]
    public async Task FiftyConcurrentGettersAgainstOneProvider()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var data = TestNodes.RandomBytes(300 * 1024 + 5, 50);
        using var imported = await provider.Store.ImportBytesAsync(data);
        var getterNodes = new List<IrohActors.Node.NodeHost.IrohNode>();
        for (var i = 0; i < 5; i++)
            getterNodes.Add(await nodes.StartAsync());
        var stores = Enumerable.Range(0, 50).Select(_ => nodes.NewStore()).ToList();
        var tasks = Enumerable.Range(0, 50).Select(async i =>
        {
            var node = getterNodes[i % getterNodes.Count];
            var connection = await node.ConnectAsync(provider.Address);
            return await new BlobGetter(stores[i]).GetBlobAsync(connection, imported.Hash);
        }).ToList();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(4));
        foreach (var store in stores)
            Assert.Equal(data, await TestNodes.ReadAllAsync(store, imported.Hash));
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and report late).</summary>
    internal sealed class SyncProgress(Action<TransferProgress> action) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => action(value);
    }
}
