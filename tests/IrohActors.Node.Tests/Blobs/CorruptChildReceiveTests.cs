using System.Net;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Getter;
using IrohActors.Node.Identity;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Node.Tickets;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

/// <summary>
/// A receive into a directory from a provider that damages one small child: the receive fails naming the child and
/// the peer, the damaged child's file never appears under its name, every file that did appear holds its exact bytes,
/// and a second receive from a genuine provider completes the tree.
/// </summary>
public sealed class CorruptChildReceiveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("node-corrupt-child-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, byte[]> WriteSource()
    {
        var files = new Dictionary<string, byte[]>
        {
            ["a.txt"] = Enumerable.Repeat((byte)'a', 3000).ToArray(),
            // One chunk group (its encoding is its data) and several groups (parents, then leaves).
            ["b.txt"] = Enumerable.Repeat((byte)'b', 5000).ToArray(),
            ["c.bin"] = TestNodes.RandomBytes(70_000, 3),
            ["d.txt"] = Enumerable.Repeat((byte)'d', 2000).ToArray(),
        };
        for (var i = 0; i < 40; i++)
            files[$"e/f{i:D2}.bin"] = TestNodes.RandomBytes(1000 + i * 37, 100 + i);
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(_dir, "src", name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
        return files;
    }

    /// <summary>The provider's whole response to the getter's first request for the collection (root missing: everything).</summary>
    private static async Task<byte[]> GenuineResponseAsync(IrohNode provider, Hash root)
    {
        using var key = SecretKey.Generate();
        using var endpoint = new NodeEndpoint(key);
        await using var connection = await endpoint.ConnectAsync(provider.Address);
        var request = new GetRequest(root, ChunkRangesSeq.FromRangesInfinite([ChunkRanges.All, ChunkRanges.All]));
        var stream = await connection.OpenStreamAsync(RequestCodec.Encode(request));
        await using (stream)
        {
            await stream.CompleteWritesAsync();
            using var all = new MemoryStream();
            await stream.CopyToAsync(all);
            return all.ToArray();
        }
    }

    [Theory]
    [InlineData("b.txt", 2500, 0UL)]
    [InlineData("c.bin", 40_000, 32UL)]
    public async Task ADamagedChildFailsTheReceiveAndNeverAppearsUnderItsName(string damagedName, int byteInFile, ulong failingChunk)
    {
        var files = WriteSource();
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var (ticket, _) = await provider.ShareAsync(Path.Combine(_dir, "src"));
        var genuine = await GenuineResponseAsync(provider, ticket.Hash);
        // Damage one byte of the child's data where it travels (its leaves are sent as they are).
        var damaged = (byte[])genuine.Clone();
        var leaf = files[damagedName].AsSpan(byteInFile - byteInFile % 16384, Math.Min(16384, files[damagedName].Length - (byteInFile - byteInFile % 16384)));
        var at = damaged.AsSpan().IndexOf(leaf);
        Assert.True(at > 0, "the leaf is in the response");
        damaged[at + byteInFile % 16384] ^= 0x20;

        using var scriptedKey = SecretKey.Generate();
        using var scripted = new NodeEndpoint(scriptedKey);
        await using var listener = scripted.Listen(new IPEndPoint(IPAddress.Loopback, 0), async (connection, ct) =>
        {
            try
            {
                while (true)
                {
                    var stream = await connection.AcceptStreamAsync(ct);
                    await stream.WriteAsync(damaged, ct);
                    await stream.CompleteWritesAsync(ct);
                }
            }
            catch (ConnectionClosedException)
            {
            }
        });
        var getter = await nodes.StartAsync(store: BlobStores.OpenFileSystem(Path.Combine(_dir, "store")));
        var target = Path.Combine(_dir, "out");
        var scriptedTicket = new BlobTicket(new NodeAddr(scriptedKey.NodeId, listener.LocalEndPoint), ticket.Hash, ticket.Format);

        var e = await Assert.ThrowsAsync<TransferVerificationException>(() => getter.ReceiveAsync(scriptedTicket, target).WaitAsync(TestNodes.Generous));

        Assert.Equal(Hasher.Hash(files[damagedName]), e.Hash);
        Assert.Equal(scriptedKey.NodeId, e.Peer);
        Assert.Equal(BaoFailure.Mismatch, e.Failure);
        Assert.Equal(failingChunk, e.Chunk);
        Assert.Contains(scriptedKey.NodeId.ToString(), e.Message);
        Assert.False(File.Exists(Path.Combine(target, damagedName)));
        foreach (var path in Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Where(p => !Path.GetFileName(p).StartsWith(".iroh-receive-", StringComparison.Ordinal)))
            Assert.Equal(files[Path.GetRelativePath(target, path)], File.ReadAllBytes(path));

        // The genuine provider finishes the tree: nothing of the failed run is refused or left wrong, no journal stays.
        await getter.ReceiveAsync(ticket, target).WaitAsync(TestNodes.Generous);

        foreach (var (name, bytes) in files)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(target, name)));
        Assert.Equal(files.Keys.Select(n => Path.Combine(target, n)).Order(), Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Order());
    }
}
