using System.Net;
using IrohActors.Blake3;
using IrohActors.Node.NodeHost;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

/// <summary><see cref="IrohNode.StartSharingAsync"/>: a node started with its import running beside the start (what <c>send</c> does).</summary>
public sealed class StartSharingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("node-start-sharing-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private IrohNodeOptions Options() => new() { DataDirectory = Path.Combine(_dir, "data"), ListenAddress = new IPEndPoint(IPAddress.Loopback, 0) };

    [Fact]
    public async Task A_tree_shared_while_the_node_starts_arrives_whole()
    {
        var source = Path.Combine(_dir, "src");
        var files = new Dictionary<string, byte[]>
        {
            ["a.txt"] = "hello"u8.ToArray(),
            ["empty"] = [],
            ["dir/b.bin"] = TestNodes.RandomBytes(100_000, 3),
            ["dir/sub/c.bin"] = TestNodes.RandomBytes(5 << 20, 4),
        };
        for (var i = 0; i < 200; i++)
            files[$"many/f{i}.txt"] = TestNodes.RandomBytes(i * 37, 100 + i);
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(source, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
        var (provider, ticket, content) = await IrohNode.StartSharingAsync(Options(), source).WaitAsync(TestNodes.Generous);
        await using (provider)
        {
            Assert.Equal(provider.NodeId, ticket.Node.NodeId);
            Assert.Equal(BlobFormat.HashSeq, ticket.Format);
            Assert.Equal(files.Count, content.Files);
            Assert.Equal(files.Values.Sum(b => (long)b.Length), content.Bytes);
            // Durable and tagged before the ticket: every child is complete in the provider's store.
            Assert.Contains(await provider.Store.ListTagsAsync(), t => t.Hash == ticket.Hash);
            foreach (var bytes in files.Values)
                Assert.Equal(BlobState.Complete, (await provider.Store.StatusAsync(Hasher.Hash(bytes))).State);

            await using var nodes = new TestNodes();
            var getter = await nodes.StartAsync();
            var target = Path.Combine(_dir, "dst");
            var (_, export) = await getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous);
            Assert.Equal(files.Count, export.Files);
            foreach (var (name, bytes) in files)
                Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, name)));
        }
    }

    [Fact]
    public async Task A_missing_path_fails_and_releases_the_data_directory()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => IrohNode.StartSharingAsync(Options(), Path.Combine(_dir, "nothing-here")).WaitAsync(TestNodes.Generous));
        // The store was closed: the same data directory starts again, with nothing tagged.
        await using var node = await IrohNode.StartAsync(Options()).WaitAsync(TestNodes.Generous);
        Assert.Empty(await node.Store.ListTagsAsync());
    }
}
