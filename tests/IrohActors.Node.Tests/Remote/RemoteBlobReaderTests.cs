using System.Net;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Getter;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Provider;
using IrohActors.Node.Remote;
using IrohActors.Node.Tests.Blobs;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Remote;

/// <summary>Random access to a remote blob: every read equals the data, the size is proven, bad data never comes out.</summary>
public class RemoteBlobReaderTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(16 * 1024)]
    [InlineData(16 * 1024 + 1)]
    [InlineData(300 * 1024 + 77)]
    public async Task RandomReadsReturnExactlyTheBlobsBytes(int size)
    {
        var data = TestNodes.RandomBytes(size, size + 5);
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var reader = await nodes.StartAsync();
        using var imported = await provider.Store.ImportBytesAsync(data);
        var blob = await reader.OpenRemoteBlobAsync(provider.Address, imported.Hash, new RemoteReadOptions { CacheBytes = 8 * 1024 }).WaitAsync(TestNodes.Generous);
        Assert.Equal(size, blob.Size);
        Assert.Equal(1, blob.Requests);

        var random = new Random(size);
        for (var i = 0; i < 40; i++)
        {
            var offset = random.Next(size + 10);
            var buffer = new byte[random.Next(1, 40 * 1024)];
            var n = await blob.ReadAtAsync(offset, buffer).AsTask().WaitAsync(TestNodes.Generous);
            var expected = Math.Clamp(size - offset, 0, buffer.Length);
            Assert.Equal(expected, n);
            Assert.Equal(data.AsSpan(Math.Min(offset, size), expected).ToArray(), buffer.AsSpan(0, n).ToArray());
            Assert.True(blob.CachedBytes <= 8 * 1024);
        }
        var all = new byte[size + 3];
        Assert.Equal(size, await blob.ReadAtAsync(0, all));
        Assert.Equal(data, all.AsSpan(0, size).ToArray());
    }

    [Fact]
    public async Task ARepeatedReadComesFromTheCacheAndAPartlyCachedReadAsksOnlyForTheRest()
    {
        var data = TestNodes.RandomBytes(200 * 1024, 3);
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var reader = await nodes.StartAsync();
        using var imported = await provider.Store.ImportBytesAsync(data);
        var blob = await reader.OpenRemoteBlobAsync(provider.Address, imported.Hash).WaitAsync(TestNodes.Generous);
        var buffer = new byte[3000];
        await blob.ReadAtAsync(10_000, buffer);
        var (requests, bytes) = (blob.Requests, blob.BytesReceived);
        Assert.Equal(3000, await blob.ReadAtAsync(10_000, buffer));
        Assert.Equal(data.AsSpan(10_000, 3000).ToArray(), buffer);
        Assert.Equal(requests, blob.Requests);
        Assert.Equal(bytes, blob.BytesReceived);

        // Chunks 9..12 are cached; 9..16 needs one more request, which carries chunks 13..15 only (3 KiB + parents).
        var wider = new byte[7 * 1024];
        await blob.ReadAtAsync(9 * 1024, wider);
        Assert.Equal(data.AsSpan(9 * 1024, 7 * 1024).ToArray(), wider);
        Assert.Equal(requests + 1, blob.Requests);
        var fetched = blob.BytesReceived - bytes;
        Assert.InRange(fetched, 3 * 1024, 3 * 1024 + 9 + 16 * 64);
    }

    [Fact]
    public async Task AReadAroundManyCachedChunksIsStillOneSmallRequest()
    {
        var data = TestNodes.RandomBytes(700 * 1024 + 1, 8);
        await using var nodes = new TestNodes();
        // 350 ranges would take ~700 request bytes: over this provider's limit.
        var provider = await nodes.StartAsync(new ProviderOptions { MaxRequestSize = 512 });
        var reader = await nodes.StartAsync();
        using var imported = await provider.Store.ImportBytesAsync(data);
        var blob = await reader.OpenRemoteBlobAsync(provider.Address, imported.Hash, new RemoteReadOptions { CacheBytes = 4 << 20 }).WaitAsync(TestNodes.Generous);
        // Every other chunk cached: 350 gaps, more than one request should carry as ranges.
        var one = new byte[1];
        for (var chunk = 0; chunk < 700; chunk += 2)
            await blob.ReadAtAsync(chunk * 1024L, one);
        var requests = blob.Requests;
        var all = new byte[data.Length];
        Assert.Equal(data.Length, await blob.ReadAtAsync(0, all).AsTask().WaitAsync(TestNodes.Generous));
        Assert.Equal(data, all);
        Assert.Equal(requests + 1, blob.Requests);
    }

    [Fact]
    public async Task ConcurrentReadsOfOneReaderAllReturnTheirBytes()
    {
        var data = TestNodes.RandomBytes(500 * 1024 + 9, 4);
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var reader = await nodes.StartAsync();
        using var imported = await provider.Store.ImportBytesAsync(data);
        var blob = await reader.OpenRemoteBlobAsync(provider.Address, imported.Hash, new RemoteReadOptions { CacheBytes = 16 * 1024 }).WaitAsync(TestNodes.Generous);
        var reads = Enumerable.Range(0, 16).Select(async i =>
        {
            var offset = i * 31_000 + 500;
            var buffer = new byte[20_000];
            var n = await blob.ReadAtAsync(offset, buffer);
            Assert.Equal(buffer.Length, n);
            Assert.Equal(data.AsSpan(offset, n).ToArray(), buffer);
        });
        await Task.WhenAll(reads).WaitAsync(TestNodes.Generous);
        Assert.True(blob.CachedBytes <= 16 * 1024);
    }

    [Fact]
    public async Task AReaderOutlivesItsConnectionOnceThePeerActorReconnects()
    {
        var data = TestNodes.RandomBytes(100 * 1024, 5);
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var reader = await nodes.StartAsync();
        using var imported = await provider.Store.ImportBytesAsync(data);
        var blob = await reader.OpenRemoteBlobAsync(provider.Address, imported.Hash, new RemoteReadOptions { CacheBytes = 0 }).WaitAsync(TestNodes.Generous);
        var first = await reader.ConnectAsync(provider.Address);
        await first.CloseAsync(CloseCode.Normal, "test closes the connection");
        await first.Completion.WaitAsync(TestNodes.Generous);
        // The peer actor learns of the loss asynchronously; once it hands out a new connection, reads work again.
        var deadline = DateTime.UtcNow + TestNodes.Generous;
        while (ReferenceEquals(await reader.ConnectAsync(provider.Address), first) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var buffer = new byte[5000];
        Assert.Equal(buffer.Length, await blob.ReadAtAsync(70_000, buffer).AsTask().WaitAsync(TestNodes.Generous));
        Assert.Equal(data.AsSpan(70_000, buffer.Length).ToArray(), buffer);
    }

    [Fact]
    public async Task AProviderThatLiesAboutTheSizeFailsTheOpen()
    {
        var data = TestNodes.RandomBytes(40 * 1024 + 100, 6);
        await using var store = BlobStores.InMemory();
        using var imported = await store.ImportBytesAsync(data);
        foreach (var claimed in new ulong[] { 40 * 1024, 40 * 1024 + 99, 40 * 1024 + 101, 64 * 1024, 1 })
        {
            using var providerKey = SecretKey.Generate();
            using var providerEndpoint = new NodeEndpoint(providerKey);
            await using var listener = providerEndpoint.Listen(new IPEndPoint(IPAddress.Loopback, 0), async (connection, ct) =>
            {
                try
                {
                    while (true)
                        _ = ServeAsync(store, await connection.AcceptStreamAsync(ct), corrupt: false, claimedSize: claimed);
                }
                catch (ConnectionClosedException)
                {
                }
            });
            using var readerKey = SecretKey.Generate();
            using var readerEndpoint = new NodeEndpoint(readerKey);
            await using var connection = await readerEndpoint.ConnectAsync(new NodeAddr(providerKey.NodeId, listener.LocalEndPoint));
            var e = await Assert.ThrowsAnyAsync<IOException>(() => RemoteBlobReader.OpenAsync(connection, imported.Hash).WaitAsync(TestNodes.Generous));
            Assert.True(e is TransferVerificationException or ResponseFormatException, $"claimed {claimed}: {e}");
            Assert.Contains(providerKey.NodeId.ToString(), e.Message);
        }
    }

    [Fact]
    public async Task AnUnknownHashIsTheProvidersNotFoundNamingThePeer()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var reader = await nodes.StartAsync();
        var e = await Assert.ThrowsAsync<ProviderErrorException>(() => reader.OpenRemoteBlobAsync(provider.Address, Hasher.Hash("absent"u8)).WaitAsync(TestNodes.Generous));
        Assert.Equal(ErrorCode.NotFound, e.Code);
        Assert.Equal(provider.NodeId, e.Peer);
    }

    [Fact]
    public async Task AProviderThatCorruptsBytesFailsTheQueryWithAVerificationErrorAndReturnsNothingWrong()
    {
        // A collection served by a provider that answers honestly while the reader opens it, then flips a byte in
        // every leaf it sends.
        using var builder = new CollectionBuilder();
        for (var i = 0; i < 5000; i++)
            builder.Add(RemoteCollectionFixture.Name(i), RemoteCollectionFixture.Target(RemoteCollectionFixture.Name(i)));
        using var output = new MemoryStream();
        var info = await builder.WriteToAsync(output);
        await using var store = BlobStores.InMemory();
        using (await store.ImportBytesAsync(output.ToArray()))
        {
        }
        var corrupting = 0;
        using var providerKey = SecretKey.Generate();
        using var providerEndpoint = new NodeEndpoint(providerKey);
        await using var listener = providerEndpoint.Listen(new IPEndPoint(IPAddress.Loopback, 0), async (connection, ct) =>
        {
            try
            {
                while (true)
                {
                    var stream = await connection.AcceptStreamAsync(ct);
                    _ = ServeAsync(store, stream, Volatile.Read(ref corrupting) == 1);
                }
            }
            catch (ConnectionClosedException)
            {
            }
        });
        await using var nodes = new TestNodes();
        var reader = await nodes.StartAsync();
        var address = new NodeAddr(providerKey.NodeId, listener.LocalEndPoint);
        var blob = await reader.OpenRemoteBlobAsync(address, info.Hash).WaitAsync(TestNodes.Generous);
        var collection = await CollectionReader.OpenAsync(blob).AsTask().WaitAsync(TestNodes.Generous);
        Assert.Equal(5000, collection.Count);
        Volatile.Write(ref corrupting, 1);

        var e = await Assert.ThrowsAsync<TransferVerificationException>(async () => await collection.GetAsync(RemoteCollectionFixture.Name(2500)).AsTask().WaitAsync(TestNodes.Generous));
        Assert.Equal(providerKey.NodeId, e.Peer);
        Assert.Equal(info.Hash, e.Hash);
        Assert.Equal(BaoFailure.Mismatch, e.Failure);
        Assert.Contains(providerKey.NodeId.ToString(), e.Message);
        Assert.Contains($"chunk {e.Chunk}", e.Message);

        // A direct read of the bytes fails the same way and leaves the caller's buffer untouched.
        var buffer = new byte[4096];
        Array.Fill(buffer, (byte)0xAA);
        await Assert.ThrowsAsync<TransferVerificationException>(async () => await blob.ReadAtAsync(blob.Size / 2, buffer).AsTask().WaitAsync(TestNodes.Generous));
        Assert.All(buffer, b => Assert.Equal(0xAA, b));
    }

    /// <summary>
    /// Answers one Get from <paramref name="store"/> like the provider does, flipping a byte of every leaf when
    /// <paramref name="corrupt"/>, and announcing <paramref name="claimedSize"/> instead of the real size when given.
    /// </summary>
    private static async Task ServeAsync(IBlobStore store, MuxStream stream, bool corrupt, ulong? claimedSize = null)
    {
        await using (stream)
        {
            var request = (GetRequest)RequestCodec.Decode(stream.RequestHeader.Span);
            using var reader = await store.OpenReaderAsync(request.Hash, request.Ranges[0]);
            await stream.WriteAsync(ResponseFraming.BlobHeader(claimedSize ?? reader.Tree.Size));
            while (reader.TryNext(out var item))
            {
                var bytes = item.Bytes.ToArray();
                if (corrupt && !item.IsParent)
                    bytes[bytes.Length / 2] ^= 0x01;
                await stream.WriteAsync(bytes);
            }
            await stream.CompleteWritesAsync();
        }
    }
}
