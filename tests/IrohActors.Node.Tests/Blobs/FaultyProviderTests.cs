using System.Buffers.Binary;
using System.Net;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Getter;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

/// <summary>A getter against test-only providers that answer with a scripted (truncated or damaged) response.</summary>
public class FaultyProviderTests
{
    // Below and above the size from which the getter decodes on the connection's read loop (1 MiB).
    private const int Small = 200 * 1024 + 3;
    private const int Large = 3 * 1024 * 1024 + 3;

    /// <summary>The genuine response to a whole-blob Get (tag, size, verified stream), and the byte offset of each item in it.</summary>
    private static async Task<(Hash Hash, byte[] Response, List<(EncodedItem Item, int Offset)> Items)> GenuineResponseAsync(byte[] data)
    {
        await using var store = BlobStores.InMemory();
        using var imported = await store.ImportBytesAsync(data);
        using var reader = await store.OpenReaderAsync(imported.Hash, ChunkRanges.All);
        using var output = new MemoryStream();
        output.WriteByte(0);
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)data.Length);
        output.Write(size);
        var items = new List<(EncodedItem, int)>();
        while (reader.TryNext(out var item))
        {
            items.Add((item with { Bytes = item.Bytes.ToArray() }, (int)output.Position));
            output.Write(item.Bytes.Span);
        }
        return (imported.Hash, output.ToArray(), items);
    }

    /// <summary>Listens on 127.0.0.1 and answers every request with <paramref name="respond"/>.</summary>
    private static (NodeEndpoint Endpoint, NodeListener Listener) ScriptedProvider(SecretKey key, Func<MuxStream, Task> respond)
    {
        var endpoint = new NodeEndpoint(key);
        var listener = endpoint.Listen(new IPEndPoint(IPAddress.Loopback, 0), async (connection, ct) =>
        {
            try
            {
                while (true)
                {
                    var stream = await connection.AcceptStreamAsync(ct);
                    _ = respond(stream);
                }
            }
            catch (ConnectionClosedException)
            {
            }
        });
        return (endpoint, listener);
    }

    [Theory]
    [InlineData(Small)]
    [InlineData(Large)]
    public async Task CorruptedBytesFailVerificationNamingChunkAndPeerAndNothingCorruptIsStored(int size)
    {
        var data = TestNodes.RandomBytes(size, 9);
        var (hash, response, items) = await GenuineResponseAsync(data);
        // Flip one byte in the data of the leaf that starts at chunk 64 (the fifth 16 KiB group).
        var (leaf, offset) = items.First(i => !i.Item.IsParent && i.Item.Chunk.StartChunk.Value == 64);
        var damaged = (byte[])response.Clone();
        damaged[offset + 100] ^= 0x01;

        using var providerKey = SecretKey.Generate();
        var (endpoint, listener) = ScriptedProvider(providerKey, async stream =>
        {
            await stream.WriteAsync(damaged);
            await stream.CompleteWritesAsync();
        });
        using (endpoint)
        await using (listener)
        {
            await using var store = BlobStores.InMemory(new StoreOptions { WriterFlushBytes = 1 });
            using var getterKey = SecretKey.Generate();
            using var getterEndpoint = new NodeEndpoint(getterKey);
            await using var connection = await getterEndpoint.ConnectAsync(new NodeAddr(providerKey.NodeId, listener.LocalEndPoint));
            var e = await Assert.ThrowsAsync<TransferVerificationException>(() => new BlobGetter(store).GetBlobAsync(connection, hash).WaitAsync(TestNodes.Generous));
            Assert.Equal(64UL, e.Chunk);
            Assert.Equal(BaoFailure.Mismatch, e.Failure);
            Assert.Equal(providerKey.NodeId, e.Peer);
            Assert.Contains(providerKey.NodeId.ToString(), e.Message);
            Assert.Contains("chunk 64", e.Message);

            // What was stored is exactly the groups before the damaged one, and it verifies.
            var status = await store.StatusAsync(hash);
            Assert.Equal(BlobState.Partial, status.State);
            Assert.Equal(ChunkRanges.Range(0, 64), status.Ranges);
            using var reader = await store.OpenReaderAsync(hash, status.Ranges);
            using var stored = new MemoryStream();
            await reader.CopyDataToAsync(stored);
            Assert.Equal(data.AsSpan(0, 64 * 1024).ToArray(), stored.ToArray());
            Assert.True(leaf.Chunk.Size > 100);
        }
    }

    [Theory]
    [InlineData(Small)]
    [InlineData(Large)]
    public async Task AProviderThatClosesMidStreamLeavesOnlyVerifiedGroups(int size)
    {
        var data = TestNodes.RandomBytes(size, 10);
        var (hash, response, items) = await GenuineResponseAsync(data);
        var cut = items.First(i => !i.Item.IsParent && i.Item.Chunk.StartChunk.Value == 128).Offset + 5000;

        using var providerKey = SecretKey.Generate();
        var (endpoint, listener) = ScriptedProvider(providerKey, async stream =>
        {
            await stream.WriteAsync(response.AsMemory(0, cut));
            await stream.Connection.CloseAsync(CloseCode.Internal, "provider crashed");
        });
        using (endpoint)
        await using (listener)
        {
            await using var store = BlobStores.InMemory(new StoreOptions { WriterFlushBytes = 1 });
            using var getterKey = SecretKey.Generate();
            using var getterEndpoint = new NodeEndpoint(getterKey);
            var connection = await getterEndpoint.ConnectAsync(new NodeAddr(providerKey.NodeId, listener.LocalEndPoint));
            await using (connection)
                await Assert.ThrowsAnyAsync<IOException>(() => new BlobGetter(store).GetBlobAsync(connection, hash).WaitAsync(TestNodes.Generous));
            // The close may overtake data still unread (the transport drops it), so less may be stored, never more.
            var status = await store.StatusAsync(hash);
            Assert.Contains(status.State, new[] { BlobState.Absent, BlobState.Partial });
            Assert.True(status.Ranges.IsSubsetOf(ChunkRanges.Range(0, 128)), $"stored [{status.Ranges}]");
            if (status.Ranges.IsEmpty)
                return;
            using var reader = await store.OpenReaderAsync(hash, status.Ranges);
            using var stored = new MemoryStream();
            await reader.CopyDataToAsync(stored);
            Assert.Equal(data.AsSpan(0, (int)stored.Length).ToArray(), stored.ToArray());
        }
    }

    [Theory]
    [InlineData(Small)]
    [InlineData(Large)]
    public async Task AResponseThatEndsMidBlobIsMissingDataAtTheCutChunk(int size)
    {
        var data = TestNodes.RandomBytes(size, 11);
        var (hash, response, items) = await GenuineResponseAsync(data);
        var cut = items.First(i => !i.Item.IsParent && i.Item.Chunk.StartChunk.Value == 128).Offset + 5000;
        using var providerKey = SecretKey.Generate();
        var (endpoint, listener) = ScriptedProvider(providerKey, async stream =>
        {
            await stream.WriteAsync(response.AsMemory(0, cut));
            await stream.CompleteWritesAsync();
        });
        using (endpoint)
        await using (listener)
        {
            await using var store = BlobStores.InMemory(new StoreOptions { WriterFlushBytes = 1 });
            using var getterKey = SecretKey.Generate();
            using var getterEndpoint = new NodeEndpoint(getterKey);
            await using var connection = await getterEndpoint.ConnectAsync(new NodeAddr(providerKey.NodeId, listener.LocalEndPoint));
            var e = await Assert.ThrowsAsync<TransferVerificationException>(() => new BlobGetter(store).GetBlobAsync(connection, hash).WaitAsync(TestNodes.Generous));
            Assert.Equal(BaoFailure.Missing, e.Failure);
            Assert.Equal(128UL, e.Chunk);
            Assert.Equal(providerKey.NodeId, e.Peer);
            var status = await store.StatusAsync(hash);
            Assert.Equal(ChunkRanges.Range(0, 128), status.Ranges);
            // A resume asks only for the rest.
            Assert.Equal(ChunkRanges.From(128), await store.MissingAsync(hash));
        }
    }

    [Fact]
    public async Task AResponseThatEndsBeforeTheBlobIsAFramingError()
    {
        using var providerKey = SecretKey.Generate();
        var (endpoint, listener) = ScriptedProvider(providerKey, async stream => await stream.CompleteWritesAsync());
        using (endpoint)
        await using (listener)
        {
            await using var store = BlobStores.InMemory();
            using var getterKey = SecretKey.Generate();
            using var getterEndpoint = new NodeEndpoint(getterKey);
            await using var connection = await getterEndpoint.ConnectAsync(new NodeAddr(providerKey.NodeId, listener.LocalEndPoint));
            var e = await Assert.ThrowsAsync<ResponseFormatException>(() => new BlobGetter(store).GetBlobAsync(connection, Hasher.Hash("a"u8)).WaitAsync(TestNodes.Generous));
            Assert.Contains("ended before blob", e.Message);
            Assert.Equal(providerKey.NodeId, e.Peer);
        }
    }
}
