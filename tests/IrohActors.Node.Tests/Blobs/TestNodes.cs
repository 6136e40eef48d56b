using System.Net;
using IrohActors.Blake3;
using IrohActors.Node.Identity;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Provider;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

/// <summary>Nodes on 127.0.0.1 with in-memory stores, disposed together.</summary>
internal sealed class TestNodes : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public static TimeSpan Generous { get; } = TimeSpan.FromMinutes(2);

    public async Task<IrohNode> StartAsync(ProviderOptions? provider = null, IBlobStore? store = null)
    {
        var key = SecretKey.Generate();
        store ??= BlobStores.InMemory();
        var node = await IrohNode.StartAsync(new IrohNodeOptions
        {
            Key = key,
            Store = store,
            ListenAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = provider ?? new ProviderOptions(),
        });
        _owned.Add(store);
        _owned.Add(node);
        _owned.Add(new DisposeAction(key.Dispose));
        return node;
    }

    public IBlobStore NewStore()
    {
        var store = BlobStores.InMemory();
        _owned.Add(store);
        return store;
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static async Task<byte[]> ReadAllAsync(IBlobStore store, Hash hash)
    {
        using var reader = await store.OpenReaderAsync(hash, Bao.ChunkRanges.All);
        using var output = new MemoryStream();
        await reader.CopyDataToAsync(output);
        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        // Nodes first (they use the stores), then stores and keys.
        for (var i = _owned.Count - 1; i >= 0; i--)
            if (_owned[i] is IrohNode)
                await _owned[i].DisposeAsync();
        for (var i = _owned.Count - 1; i >= 0; i--)
            if (_owned[i] is not IrohNode)
                await _owned[i].DisposeAsync();
    }

    private sealed class DisposeAction(Action action) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            action();
            return ValueTask.CompletedTask;
        }
    }
}
