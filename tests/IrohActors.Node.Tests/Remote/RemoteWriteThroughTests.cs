using IrohActors.Bao;
using IrohActors.Collections;
using IrohActors.Node.Remote;
using IrohActors.Node.Tests.Blobs;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Remote;

/// <summary>A remote reader that writes what it fetched into the local store as a partial blob.</summary>
public class RemoteWriteThroughTests
{
    private static async Task<(byte[] Bytes, CollectionInfo Info)> BuildAsync(int links)
    {
        using var builder = new CollectionBuilder();
        for (var i = 0; i < links; i++)
            builder.Add(RemoteCollectionFixture.Name(i), RemoteCollectionFixture.Target(RemoteCollectionFixture.Name(i)));
        using var output = new MemoryStream();
        var info = await builder.WriteToAsync(output);
        return (output.ToArray(), info);
    }

    [Fact]
    public async Task ALookupStoresOnlyWholeVerifiedGroupsOfTheCollection()
    {
        var (bytes, info) = await BuildAsync(6000);
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var reader = await nodes.StartAsync();
        using (await provider.Store.ImportBytesAsync(bytes))
        {
        }
        var blob = await reader.OpenRemoteBlobAsync(provider.Address, info.Hash, new RemoteReadOptions { Store = reader.Store }).WaitAsync(TestNodes.Generous);
        var collection = await CollectionReader.OpenAsync(blob);
        var name = RemoteCollectionFixture.Name(4321);
        Assert.Equal(RemoteCollectionFixture.Target(name), await collection.GetAsync(name).AsTask().WaitAsync(TestNodes.Generous));

        var status = await reader.Store.StatusAsync(info.Hash);
        Assert.Equal(BlobState.Partial, status.State);
        Assert.False(status.Ranges.IsEmpty);
        Assert.Equal((ulong)bytes.Length, status.Size);
        // Every stored leaf is the collection's own bytes (the store's reader verifies them against the hash too).
        using var stored = await reader.Store.OpenReaderAsync(info.Hash, status.Ranges);
        var leaves = 0;
        while (stored.TryNext(out var item))
        {
            if (item.IsParent)
                continue;
            Assert.Equal(bytes.AsSpan((int)item.Offset, item.Bytes.Length).ToArray(), item.Bytes.ToArray());
            leaves++;
        }
        Assert.True(leaves > 0);
        // One lookup touched a few groups, not the collection.
        var storedChunks = status.Ranges.Ranges().Sum(r => (long)(r.End!.Value - r.Start));
        Assert.True(storedChunks * 1024 < bytes.Length / 4, $"a lookup stored [{status.Ranges}] of {bytes.Length} bytes");
    }

    [Fact]
    public async Task OnceReadCompletelyTheNextOpenIsLocalAndNeedsNoProvider()
    {
        var (bytes, info) = await BuildAsync(3000);
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var reader = await nodes.StartAsync();
        using (await provider.Store.ImportBytesAsync(bytes))
        {
        }
        var ticket = provider.CreateTicket(info.Hash, BlobFormat.HashSeq);
        var collection = await reader.OpenRemoteCollectionAsync(ticket, new RemoteReadOptions { Store = reader.Store }).WaitAsync(TestNodes.Generous);
        Assert.Equal(3000, await collection.EnumerateAsync().CountAsync().AsTask().WaitAsync(TestNodes.Generous));
        Assert.Equal(BlobState.Complete, (await reader.Store.StatusAsync(info.Hash)).State);
        Assert.Equal(bytes, await TestNodes.ReadAllAsync(reader.Store, info.Hash));

        await provider.DisposeAsync();
        var local = await reader.OpenRemoteCollectionAsync(ticket).WaitAsync(TestNodes.Generous);
        var name = RemoteCollectionFixture.Name(1500);
        Assert.Equal(RemoteCollectionFixture.Target(name), await local.GetAsync(name));
    }

    [Fact]
    public async Task AStoreWithAnotherChunkGroupSizeIsRefused()
    {
        await using var store = BlobStores.InMemory(new StoreOptions { BlockSize = BlockSize.FromChunkLog(2) });
        var e = Assert.Throws<ArgumentException>(() => new RemoteReadOptions { Store = store }.Validate());
        Assert.Contains("chunk groups", e.Message);
    }
}
