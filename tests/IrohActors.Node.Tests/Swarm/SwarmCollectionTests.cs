using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Provider;
using IrohActors.Node.Swarm;
using IrohActors.Node.Tests.Blobs;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Swarm;

/// <summary>Swarm downloads of collections: the root, then children in runs across providers, then big children split like blobs.</summary>
public class SwarmCollectionTests
{
    [Fact]
    public async Task ACollectionOf1000FilesComesFromThreeProviders()
    {
        var source = Directory.CreateTempSubdirectory("swarm-tree-").FullName;
        try
        {
            var random = new Random(7);
            var files = new Dictionary<string, byte[]>();
            for (var i = 0; i < 1000; i++)
            {
                var bytes = new byte[random.Next(0, 24 * 1024)];
                random.NextBytes(bytes);
                files[$"d{i % 10}/f{i:D4}.bin"] = bytes;
            }
            // Two children larger than one run's span: split across peers like blobs.
            foreach (var (name, size) in new[] { ("big/a.bin", 3 << 20), ("big/b.bin", (5 << 20) + 777) })
            {
                var bytes = new byte[size];
                random.NextBytes(bytes);
                files[name] = bytes;
            }
            foreach (var (name, bytes) in files)
            {
                var path = Path.Combine(source, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, bytes);
            }

            await using var nodes = new TestNodes();
            var providers = new List<NodeHost.IrohNode>();
            Hash root = default;
            for (var i = 0; i < 3; i++)
            {
                var node = await nodes.StartAsync();
                var (ticket, _) = await node.ShareAsync(source);
                root = ticket.Hash;
                providers.Add(node);
            }
            var getter = await nodes.StartAsync();
            var options = new SwarmOptions { MaxSpanBytes = 1 << 20, ChildrenPerRequest = 32 };
            var result = await new SwarmDownloader(getter, options).DownloadAsync(root, BlobFormat.HashSeq, providers.Select(p => p.Address).ToList()).WaitAsync(TestNodes.Generous);

            Assert.True(result.IsCollection);
            foreach (var p in providers)
                Assert.True(result.Peers.Single(f => f.Peer == p.NodeId).RangesServed > 0, $"provider {p.NodeId} served nothing");
            var collection = await CollectionReader.OpenAsync(await StoreBlobReader.OpenAsync(getter.Store, root, CancellationToken.None));
            Assert.Equal(files.Count, collection.Count);
            var seen = 0;
            await foreach (var link in collection.EnumerateAsync())
            {
                var name = System.Text.Encoding.UTF8.GetString(link.Name.Span);
                Assert.Equal(Hasher.Hash(files[name]), link.Hash);
                Assert.Equal(BlobState.Complete, (await getter.Store.StatusAsync(link.Hash)).State);
                seen++;
            }
            Assert.Equal(files.Count, seen);
            var big = Hasher.Hash(files["big/b.bin"]);
            Assert.Equal(files["big/b.bin"], await TestNodes.ReadAllAsync(getter.Store, big));
            // Every byte once, except that a big child's last chunk (fetched first, to prove its size) is fetched
            // again with its group when that group is not whole: a group-level outboard cannot record a lone chunk.
            var written = result.BytesWritten - RootBytes(result, await getter.Store.StatusAsync(root));
            var total = files.Values.Sum(f => (long)f.Length);
            Assert.InRange(written, total, total + 2 * 1024);
        }
        finally
        {
            Directory.Delete(source, true);
        }
    }

    private static long RootBytes(SwarmResult result, BlobStatus root) => result.IsCollection ? (long)root.Size : 0;
}
