using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Swarm;
using IrohActors.Node.Tests.Blobs;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Swarm;

/// <summary>
/// A swarm receive into a directory (children placed straight into the target, as the single-provider receive does),
/// and a provider whose connection drops being reconnected within the same download.
/// </summary>
public sealed class SwarmReceiveTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-receive-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ASwarmReceivePlacesTheChildrenStraightIntoTheTarget()
    {
        var source = Path.Combine(_dir, "src");
        var random = new Random(11);
        var files = new Dictionary<string, byte[]>();
        for (var i = 0; i < 300; i++)
        {
            var bytes = new byte[random.Next(0, 40_000)];
            random.NextBytes(bytes);
            files[$"d{i % 7}/f{i:D3}.bin"] = bytes;
        }
        files["big/a.bin"] = TestNodes.RandomBytes(3 * MiB + 5, 21);
        files["big/copy-of-a.bin"] = files["big/a.bin"];
        foreach (var (name, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source, name))!);
            await File.WriteAllBytesAsync(Path.Combine(source, name), bytes);
        }
        await using var nodes = new TestNodes();
        var providers = new List<NodeHost.IrohNode>();
        Hash root = default;
        for (var i = 0; i < 3; i++)
        {
            var node = await nodes.StartAsync();
            root = (await node.ShareAsync(source)).Ticket.Hash;
            providers.Add(node);
        }
        var storeDir = Path.Combine(_dir, "store");
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(storeDir));
        var target = Path.Combine(_dir, "out");
        var options = new SwarmOptions { MaxSpanBytes = 1 << 20, ChildrenPerRequest = 16 };

        var (download, export) = await new SwarmDownloader(getter, options).ReceiveAsync(root, BlobFormat.HashSeq, providers.Select(p => p.Address).ToList(), target).WaitAsync(TestNodes.Generous);

        Assert.Equal(files.Count, export.Files);
        foreach (var (name, bytes) in files)
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(target, name)));
        Assert.Equal(files.Keys.Select(n => Path.Combine(target, n)).Order(), Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Order());
        // Placed, not copied: only the second copy of big/a.bin was written by the export, and the store keeps no data file of any child.
        Assert.Equal(files["big/a.bin"].Length, export.Bytes);
        Assert.All(Directory.EnumerateFiles(Path.Combine(storeDir, "data"), "*.data"), f => Assert.StartsWith(root.ToHex(), Path.GetFileName(f)));
        foreach (var p in providers)
            Assert.True(download.Peers.Single(f => f.Peer == p.NodeId).RangesServed > 0, $"provider {p.NodeId} served nothing");
        var big = Hasher.Hash(files["big/a.bin"]);
        Assert.Equal(files["big/a.bin"], await TestNodes.ReadAllAsync(getter.Store, big));
    }

    [Fact]
    public async Task ASwarmReceiveRefusesAnExistingFileBeforeWritingAnything()
    {
        var source = Path.Combine(_dir, "src");
        Directory.CreateDirectory(Path.Combine(source, "d"));
        await File.WriteAllBytesAsync(Path.Combine(source, "d", "a.bin"), TestNodes.RandomBytes(5000, 1));
        await File.WriteAllBytesAsync(Path.Combine(source, "d", "b.bin"), TestNodes.RandomBytes(7000, 2));
        await using var nodes = new TestNodes();
        var a = await nodes.StartAsync();
        var b = await nodes.StartAsync();
        var root = (await a.ShareAsync(source)).Ticket.Hash;
        await b.ShareAsync(source);
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(Path.Combine(_dir, "store")));
        var target = Path.Combine(_dir, "out");
        Directory.CreateDirectory(Path.Combine(target, "d"));
        await File.WriteAllTextAsync(Path.Combine(target, "d", "b.bin"), "mine");

        var e = await Assert.ThrowsAsync<CollectionExportException>(() => new SwarmDownloader(getter).ReceiveAsync(root, BlobFormat.HashSeq, [a.Address, b.Address], target).WaitAsync(TestNodes.Generous));

        Assert.Contains("already exists", e.Message);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(target, "d", "b.bin")));
        Assert.Equal([Path.Combine(target, "d", "b.bin")], Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AProviderWhoseConnectionDropsIsReconnectedWithinTheSameDownload()
    {
        await using var nodes = new TestNodes();
        var data = TestNodes.RandomBytes(12 * MiB, 5);
        var source = nodes.NewStore();
        using var imported = await source.ImportBytesAsync(data);
        // The only provider: without a reconnect the download could not finish.
        await using var provider = new TestProvider(source, bytesPerSecond: 4 * MiB);
        var getter = await nodes.StartAsync();
        var events = SwarmFixtures.RecordEvents(getter);
        var cut = new TaskCompletionSource();
        var swarmProgress = new SyncSwarmProgress(p =>
        {
            if (p.BytesWritten >= 2 * MiB && cut.TrySetResult())
                _ = Task.Run(async () => await (await getter.ConnectAsync(provider.Address)).CloseAsync(CloseCode.Internal, "the test cuts the connection"));
        });
        var options = new SwarmOptions { ReconnectBackoff = TimeSpan.FromMilliseconds(100) };

        var result = await new SwarmDownloader(getter, options).DownloadAsync(imported.Hash, BlobFormat.Raw, [provider.Address], swarmProgress).WaitAsync(TestNodes.Generous);

        Assert.True(cut.Task.IsCompleted, "the connection was cut during the download");
        Assert.Equal(data, await TestNodes.ReadAllAsync(getter.Store, imported.Hash));
        var figures = result.Peers.Single();
        Assert.Null(figures.Gone);
        var dropped = Assert.Single(await SwarmFixtures.EventuallyAsync<SwarmPeerDropped>(events));
        Assert.Equal(provider.NodeId, dropped.Peer);
        var reconnected = Assert.Single(await SwarmFixtures.EventuallyAsync<SwarmPeerReconnected>(events));
        Assert.Equal(provider.NodeId, reconnected.Peer);
        Assert.InRange(reconnected.Attempt, 1, options.ReconnectAttempts);
        // Served after the reconnect: the ranges completed after the reconnect event.
        await SwarmFixtures.EventuallyAsync<SwarmFinished>(events);
        var order = events.ToList();
        Assert.Contains(order.Skip(order.IndexOf(reconnected)), e => e is SwarmRangeServed s && s.Peer == provider.NodeId);
    }

    [Fact]
    public async Task AProviderThatCannotBeReconnectedIsGivenUpAfterTheBoundedAttempts()
    {
        await using var nodes = new TestNodes();
        var data = TestNodes.RandomBytes(8 * MiB, 6);
        var source = nodes.NewStore();
        using var imported = await source.ImportBytesAsync(data);
        var provider = new TestProvider(source, bytesPerSecond: 2 * MiB);
        var getter = await nodes.StartAsync();
        var events = SwarmFixtures.RecordEvents(getter);
        var killed = new TaskCompletionSource();
        var swarmProgress = new SyncSwarmProgress(p =>
        {
            if (p.BytesWritten >= MiB && killed.TrySetResult())
                _ = provider.DisposeAsync().AsTask();
        });
        var options = new SwarmOptions { ReconnectAttempts = 2, ReconnectBackoff = TimeSpan.FromMilliseconds(50) };

        var e = await Assert.ThrowsAsync<SwarmIncompleteException>(() => new SwarmDownloader(getter, options).DownloadAsync(imported.Hash, BlobFormat.Raw, [provider.Address], swarmProgress).WaitAsync(TestNodes.Generous));

        Assert.True(killed.Task.IsCompleted);
        Assert.Contains("dropped", e.Message);
        Assert.Contains("not reconnected after 2 attempt(s)", e.Message);
        // (An attempt may still reach the dying provider and succeed once; the bound counts it.)
        Assert.InRange(events.OfType<SwarmPeerReconnected>().Count(), 0, 1);
        var finished = Assert.Single(await SwarmFixtures.EventuallyAsync<SwarmFinished>(events));
        Assert.NotNull(finished.Error);
    }

    private sealed class SyncSwarmProgress(Action<SwarmProgress> action) : IProgress<SwarmProgress>
    {
        public void Report(SwarmProgress value) => action(value);
    }
}
