using IrohActors.Bao;
using IrohActors.Node.Getter;
using IrohActors.Node.Protocol;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

public class CorruptProviderStoreTests
{
    [Fact]
    public async Task AProviderNeverSendsBytesItsStoreNoLongerVerifies()
    {
        var dir = Directory.CreateTempSubdirectory("node-corrupt-").FullName;
        try
        {
            var path = Path.Combine(dir, "source.bin");
            var data = TestNodes.RandomBytes(2 * 1024 * 1024, 12);
            await File.WriteAllBytesAsync(path, data);
            await using var nodes = new TestNodes();
            var providerStore = BlobStores.OpenFileSystem(Path.Combine(dir, "store"));
            var provider = await nodes.StartAsync(store: providerStore);
            var getter = await nodes.StartAsync(store: BlobStores.InMemory(new StoreOptions { WriterFlushBytes = 1 }));
            using var imported = await provider.Store.ImportFileAsync(path, ImportMode.InPlace);

            // Flip a byte in chunk 1000 of the referenced file behind the store's back, keeping size and mtime.
            var mtime = File.GetLastWriteTimeUtc(path);
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            {
                file.Position = 1000 * 1024 + 7;
                var b = file.ReadByte();
                file.Position--;
                file.WriteByte((byte)(b ^ 0x40));
            }
            File.SetLastWriteTimeUtc(path, mtime);

            var stopped = await Assert.ThrowsAsync<ProviderStoppedException>(() => getter.DownloadAsync(provider.CreateTicket(imported.Hash, BlobFormat.Raw)).WaitAsync(TestNodes.Generous));
            Assert.Equal(imported.Hash, stopped.Hash);
            Assert.Equal(provider.NodeId, stopped.Peer);
            Assert.Contains($"stopped while sending blob {imported.Hash.ToHex()} (stream reset: Internal): its own copy failed its verification", stopped.Message);
            var status = await getter.Store.StatusAsync(imported.Hash);
            Assert.NotEqual(BlobState.Complete, status.State);
            Assert.False(status.Ranges.Contains(1000), $"the getter holds [{status.Ranges}]");
            Assert.True(status.Ranges.IsSubsetOf(ChunkRanges.Range(0, 992)), $"the getter holds [{status.Ranges}]");
            if (!status.Ranges.IsEmpty)
            {
                using var reader = await getter.Store.OpenReaderAsync(imported.Hash, status.Ranges);
                using var output = new MemoryStream();
                await reader.CopyDataToAsync(output);
                Assert.Equal(data.AsSpan(0, (int)output.Length).ToArray(), output.ToArray());
            }
            Assert.Equal(BlobState.Corrupt, (await provider.Store.StatusAsync(imported.Hash)).State);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
